"""The field app in a phone-sized browser (360×740): offline captures, reload, sync, conflicts, taps."""

import datetime

import pytest
from playwright.sync_api import expect

from aupres.encounters.models import Act, Encounter, EncounterPerson
from aupres.field.models import SyncReceipt
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "258013"


@pytest.fixture(autouse=True)
def _settle(page):
    """The app fetches in the background (caseload, sync): let those requests end before the database
    is flushed for the next test, or a late write would outlive the flush."""
    yield
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")


def second_person(world):
    karim = Person.objects.create(first_name="Karim", alias="K")
    FollowUp.objects.create(person=karim, service=world.service_a, opened_on=datetime.date(2026, 2, 1))
    return karim


def open_field(page, create=True):
    """From the signed-in home, by the menu, to the field app; the offline code chosen or typed."""
    page.click("[data-testid=nav-field]")
    page.wait_for_url("**/terrain/")
    page.fill("#field-code", CODE)
    if create:
        page.fill("#field-code-confirm", CODE)
    page.click("#field-unlock")
    expect(page.get_by_test_id("field-caseload")).to_be_visible()
    # The service worker controls the page: the app opens again without network.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)


def test_offline_street_round_and_quick_encounters_survive_a_reload_and_sync_once(world, page):
    karim = second_person(world)
    mina = world.person
    worker = world.users["social_worker"]
    sign_in(page, "social_worker")
    open_field(page)
    context = page.context
    context.set_offline(True)
    expect(page.get_by_test_id("network")).to_have_text("Hors ligne")

    # Street round: a known person with two acts, a new person, three anonymous contacts.
    page.click("[data-testid=go-round]")
    page.fill("[data-testid=round-search]", "mina")
    page.click(f"[data-testid=add-person-{mina.pk}]")
    expect(page.locator(f"[data-testid=add-person-{mina.pk}]")).to_have_count(0)  # no duplicate offered
    page.select_option(f"#round-act-{mina.pk}-0", "social_interview")
    page.click(f"[data-testid=add-known-act-{mina.pk}]")
    page.select_option(f"#round-act-{mina.pk}-1", "material_aid")
    page.click("[data-testid=add-new-person]")
    page.fill("#round-new-alias-0", "Lulu du pont")
    page.select_option("#round-new-act-0", "material_aid")
    for _ in range(3):
        page.click("[data-testid=anon-plus]")
    expect(page.get_by_test_id("anon-count")).to_have_value("3")
    page.click("[data-testid=save-round]")
    expect(page.get_by_test_id("field-caseload")).to_be_visible()

    # Two quick encounters from the caseload.
    page.click(f"[data-testid=quick-{mina.pk}]")
    page.click(f"[data-testid=quick-{karim.pk}]")
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("3 saisies en attente")
    assert not Encounter.objects.exists()

    # Reload without network: the app opens from the service worker; the captures are still there.
    response = page.reload()
    assert response.from_service_worker
    # No server key without network: the offline code unlocks the key kept (wrapped) on the phone.
    page.fill("#field-code", CODE)
    page.click("#field-unlock")
    expect(page.get_by_test_id("field-caseload")).to_be_visible()
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("3 saisies en attente")
    expect(page.get_by_test_id(f"field-person-{karim.pk}")).to_be_visible()
    assert not Encounter.objects.exists()

    # Network again: everything is sent, once.
    context.set_offline(False)
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text(
        "Aucune saisie en attente", timeout=30_000)
    expect(page.get_by_test_id("last-sync")).not_to_contain_text("jamais")
    page.click("[data-testid=sync-now]")  # a second sync sends nothing again
    assert Encounter.objects.count() == 3 == SyncReceipt.objects.count()
    round_ = Encounter.objects.get(mode="street_round", anonymous_contacts=3)
    assert round_.recorded_by == worker
    assert sorted(Act.objects.filter(encounter=round_, person=mina).values_list("kind", flat=True)) == [
        "material_aid", "social_interview"]
    lulu = Person.objects.get(alias="Lulu du pont")
    assert Act.objects.filter(encounter=round_, person=lulu, kind="material_aid").count() == 1
    assert FollowUp.objects.filter(person=lulu, service=world.service_a).count() == 1
    quick = Encounter.objects.exclude(pk=round_.pk)
    assert sorted(EncounterPerson.objects.filter(encounter__in=quick).values_list("person_id", flat=True)) == sorted(
        [mina.pk, karim.pk])
    assert all(e.service_id == world.service_a.pk and e.acts.count() == 1 for e in quick)


def test_a_person_edited_on_the_server_while_offline_is_a_conflict_the_user_resolves(world, page):
    mina = world.person
    sign_in(page, "social_worker")
    open_field(page)
    page.context.set_offline(True)
    page.click(f"[data-testid=quick-{mina.pk}]")
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("1 saisie en attente")
    # Meanwhile, a colleague edits the person on the server.
    person = Person.objects.get(pk=mina.pk)
    person.languages = "arabe, français, tamoul"
    person.save_versioned(person.version, update_fields=["languages"])
    page.context.set_offline(False)
    expect(page.get_by_test_id("needs-attention")).to_have_text("1 à vérifier", timeout=30_000)
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("1 saisie en attente")
    assert not Encounter.objects.exists()
    page.click("#field-status [data-testid=pending-count]")
    capture = page.locator("[data-testid^=capture-][data-status=conflict]")
    expect(capture.get_by_test_id("capture-message")).to_contain_text("modifiée sur le serveur")
    expect(capture).to_contain_text("Amina BENALI")
    # Sync again without resolving: still a conflict, nothing recorded.
    page.click("[data-testid=sync-now]")
    expect(page.locator("[data-status=conflict]")).to_have_count(1)
    assert not Encounter.objects.exists()
    page.click("[data-testid=keep-capture]")
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text(
        "Aucune saisie en attente", timeout=30_000)
    assert Encounter.objects.filter(participants__person=mina).count() == 1
    person.refresh_from_db()
    assert person.languages == "arabe, français, tamoul"


def test_a_refused_capture_stays_on_the_phone_until_discarded(world, page):
    """The server refuses a capture (here: the user left the team meanwhile): it stays, with its reason."""
    from aupres.services.models import Membership

    mina = world.person
    sign_in(page, "social_worker")
    open_field(page)
    page.context.set_offline(True)
    page.click(f"[data-testid=quick-{mina.pk}]")
    Membership.objects.filter(user=world.users["social_worker"]).update(
        end_date=datetime.date.today() - datetime.timedelta(days=1))
    page.context.set_offline(False)
    expect(page.get_by_test_id("needs-attention")).to_have_text("1 à vérifier", timeout=30_000)
    page.click("#field-status [data-testid=pending-count]")
    refused = page.locator("[data-status=refused]")
    expect(refused.get_by_test_id("capture-message")).to_contain_text("membre")
    page.reload()
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("1 saisie en attente")
    assert not Encounter.objects.exists()
    page.goto("/terrain/#attente")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=discard-capture]")
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("Aucune saisie en attente")
    assert not Encounter.objects.exists()


def test_quick_encounter_takes_at_most_three_taps_from_the_caseload(world, page):
    mina = world.person
    sign_in(page, "social_worker")
    open_field(page)
    page.evaluate("window.__taps = 0; "
                  "document.addEventListener('click', e => { if (e.isTrusted) window.__taps++; }, true)")
    page.click(f"[data-testid=quick-{mina.pk}]")  # « Rencontré aujourd'hui »: saved on the phone
    expect(page.get_by_test_id("toast")).to_contain_text("Enregistré sur le téléphone")
    expect(page.locator(f"[data-testid=quick-{mina.pk}]")).to_have_text("Rencontré aujourd'hui")
    page.click("[data-testid=sync-now]")  # sent now rather than in a few seconds
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("Aucune saisie en attente")
    taps = page.evaluate("window.__taps")
    assert taps <= 3, taps
    encounter = Encounter.objects.get(participants__person=mina)
    assert encounter.service_id == world.service_a.pk
    assert list(encounter.acts.values_list("kind", flat=True)) == ["social_interview"]  # the usual act


def test_phone_layout_menu_on_one_line_and_person_actions_first(world, page):
    sign_in(page, "social_worker")
    header = page.locator("header.top").bounding_box()
    assert header["height"] <= 72, header
    page.goto(f"/personnes/{world.person.pk}/")
    actions = page.get_by_test_id("person-actions").bounding_box()
    assert actions["y"] + actions["height"] < 740 / 2, actions
    page.click("[data-testid=person-action-field]")
    page.fill("#field-code", CODE)
    page.fill("#field-code-confirm", CODE)
    page.click("#field-unlock")
    expect(page.get_by_role("heading", name="Amina BENALI « Mina »")).to_be_visible()


def test_the_cache_is_encrypted_at_rest_and_sign_out_wipes_it(world, page):
    sign_in(page, "social_worker")
    open_field(page)
    stored = page.evaluate("""() => new Promise(resolve => {
      const user = JSON.parse(document.getElementById('field-config').textContent).user;
      const open = indexedDB.open('aupres-field-' + user);
      open.onsuccess = () => {
        const t = open.result.transaction(['meta', 'captures']);
        const all = t.objectStore('meta').getAll();
        all.onsuccess = () => resolve(JSON.stringify(all.result));
      };
    })""")
    assert "Amina" not in stored and "BENALI" not in stored and '"ct"' in stored  # encrypted at rest
    page.click("header .logout button")
    page.wait_for_url("**/compte/connexion/**")
    names = page.evaluate("indexedDB.databases().then(l => l.map(d => d.name))")
    assert not [n for n in names if n.startswith("aupres-field-")]


def test_the_quick_encounter_can_be_completed_on_the_detail_screen(world, page):
    mina = world.person
    sign_in(page, "social_worker")
    open_field(page)
    page.context.set_offline(True)
    page.click(f"[data-testid=quick-{mina.pk}]")
    page.click("[data-testid=quick-details]")
    # The detail screen shows the same capture: the person and the usual act, then more.
    expect(page.get_by_test_id(f"enc-person-{mina.pk}")).to_be_visible()
    expect(page.locator("#enc-act-0")).to_have_value("social_interview")
    page.click("[data-testid=add-act]")
    page.select_option("#enc-act-1", "material_aid")
    page.click("[data-testid=add-orientation]")
    page.select_option("#enc-or-target", "siao")
    expect(page.locator("label[for=enc-or-partner]")).to_have_text("Structure partenaire (nom)")
    page.fill("#enc-or-partner", "115 du Nord")
    page.click("[data-testid=save-encounter]")
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("1 saisie en attente")
    page.context.set_offline(False)
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text(
        "Aucune saisie en attente", timeout=30_000)
    encounter = Encounter.objects.get()
    assert sorted(encounter.acts.values_list("kind", flat=True)) == ["material_aid", "orientation", "social_interview"]
    assert encounter.orientations.get().partner_name == "115 du Nord"
