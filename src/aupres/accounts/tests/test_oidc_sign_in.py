"""Sign-in through an OpenID Connect provider (issue #17, D55), against a REAL provider: django-oidc-provider
in a project of its own (oidc_provider_server.py), started here as a separate process on a free port.

Each sign-in is the whole authorization code flow: Auprès' sign-in link sends the browser to the provider's
authorization endpoint (state, nonce, PKCE), the professional types their password on the provider's own
login page, the provider sends the browser back with a code, and Auprès exchanges it at the token endpoint,
checks the RS256 id_token against the provider's JWKS (issuer, audience, nonce, expiry) and reads the
userinfo (RPPS as IdNat "8"+RPPS, profession codes). The browser side is a requests session for the
provider's pages and Django's test client for Auprès' pages; nothing of the protocol is mocked.
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.test import Client, override_settings
from django.urls import reverse

from aupres.accounts.models import User
from aupres.audit.models import SignInEvent
from aupres.core.access import compartments_by_service, forget
from aupres.settings import oidc_settings
from conftest import login

CLIENT_ID, CLIENT_SECRET = "aupres-test", "a-client-secret-for-tests"
CALLBACK = "http://testserver/compte/pro-sante-connect/retour/"
RPPS_DOCTOR, RPPS_STRANGER, RPPS_NURSE, RPPS_OTHER = "10000000009", "12345678903", "10000000017", "80000000002"
PROVIDER_USERS = {
    # the doctor of service A (world.users["doctor"]), whose RPPS the medical lead recorded
    "dr.amrani": {"password": "idp-pass-doctor", "rpps": RPPS_DOCTOR, "professions": ["10"]},
    # a real professional with no Auprès account
    "stranger": {"password": "idp-pass-stranger", "rpps": RPPS_STRANGER, "professions": ["10"]},
    # the nurse of service A: no RPPS on her account yet, found by her verified e-mail
    "nurse.claire": {"password": "idp-pass-nurse", "rpps": RPPS_NURSE, "professions": ["60"],
                     "email": "claire.nurse@example.org"},
    # e-mail of the psychologist's account, but not the RPPS recorded on it
    "impostor": {"password": "idp-pass-impostor", "rpps": RPPS_OTHER, "professions": ["93"],
                 "email": "psy@example.org"},
    # the doctor's RPPS confirmed, but the provider says "psychologist" (93)
    "dr.wrongjob": {"password": "idp-pass-wrongjob", "rpps": RPPS_DOCTOR, "professions": ["93"]},
}


def _check_rpps_fixtures():
    from stdnum import luhn

    assert all(luhn.is_valid(r) for r in (RPPS_DOCTOR, RPPS_STRANGER, RPPS_NURSE, RPPS_OTHER))


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The provider process; yields its discovery document. Stopped at the end of the module."""
    _check_rpps_fixtures()
    folder = tmp_path_factory.mktemp("oidc_provider")
    config = folder / "config.json"
    config.write_text(json.dumps({"database": str(folder / "idp.sqlite3"), "client_id": CLIENT_ID,
                                  "client_secret": CLIENT_SECRET, "redirect_uri": CALLBACK,
                                  "users": PROVIDER_USERS}))
    process = subprocess.Popen(  # noqa: S603 (our own script, our own interpreter)
        [sys.executable, str(Path(__file__).with_name("oidc_provider_server.py")), str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # blocks until READY (or the process ended)
        if not line.startswith("READY "):
            process.kill()
            pytest.fail(f"the OIDC provider did not start: {line!r} {process.stderr.read()[-2000:]}")
        site = line.split()[1]
        discovery = requests.get(f"{site}/openid/.well-known/openid-configuration", timeout=10).json()
        yield discovery
    finally:
        process.terminate()
        process.wait(timeout=10)


def settings_for(discovery, **extra):
    env = {
        "AUPRES_OIDC_CLIENT_ID": CLIENT_ID, "AUPRES_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "AUPRES_OIDC_ISSUER": discovery["issuer"],
        "AUPRES_OIDC_AUTHORIZATION_ENDPOINT": discovery["authorization_endpoint"],
        "AUPRES_OIDC_TOKEN_ENDPOINT": discovery["token_endpoint"],
        "AUPRES_OIDC_USERINFO_ENDPOINT": discovery["userinfo_endpoint"],
        "AUPRES_OIDC_JWKS_ENDPOINT": discovery["jwks_uri"],
        "AUPRES_OIDC_SCOPES": "openid email pro_sante",
        **{f"AUPRES_OIDC_{k}": v for k, v in extra.items()},
    }
    return override_settings(**oidc_settings(env))


def provider_sign_in(client, username, *, next_url=None, tamper=None):
    """The browser's round trip: Auprès → provider's authorize → provider's login page → back to Auprès."""
    start = reverse("accounts:oidc_login") + (f"?next={next_url}" if next_url else "")
    response = client.get(start)
    assert response.status_code == 302
    authorize = response["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge_method"] == ["S256"]

    browser = requests.Session()
    to_login = browser.get(authorize, allow_redirects=False, timeout=10)
    assert to_login.status_code == 302, to_login.text[:500]
    login_page = browser.get(urljoin(authorize, to_login.headers["Location"]), timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    next_field = re.search(r'name="next" value="([^"]*)"', login_page.text).group(1).replace("&amp;", "&")
    signed = browser.post(login_page.url, allow_redirects=False, timeout=10, data={
        "csrfmiddlewaretoken": csrf, "username": username, "password": PROVIDER_USERS[username]["password"],
        "next": next_field})
    assert signed.status_code == 302, "the provider refused the password"
    back = browser.get(urljoin(authorize, signed.headers["Location"]), allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = back.headers["Location"]
    assert callback.startswith(CALLBACK), callback
    parts = urlsplit(callback)
    if tamper:
        return client.get(parts.path + "?" + tamper(parts.query))
    return client.get(parts.path + "?" + parts.query)


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages] if hasattr(response.wsgi_request, "_messages") else []


@pytest.fixture
def doctor(world):
    user = world.users["doctor"]
    user.rpps = RPPS_DOCTOR  # recorded by the medical lead with the health grant
    user.save(update_fields=["rpps"])
    user.world = world
    return user


@pytest.mark.django_db
def test_sign_in_matches_by_rpps_without_second_factor_and_journals(provider, doctor, settings):
    settings.REQUIRE_2FA = True
    with settings_for(provider):
        client = Client()
        response = provider_sign_in(client, "dr.amrani", next_url="/compte/securite/")
        assert response.status_code == 302 and response["Location"] == "/compte/securite/"
        assert int(client.session["_auth_user_id"]) == doctor.pk
        # No TOTP asked: the provider did the strong authentication; the page is served, not the code screen.
        page = client.get("/compte/securite/")
        assert page.status_code == 200
        assert page.context["by_provider"] is True
        assert f"RPPS {RPPS_DOCTOR}" in page.content.decode()
        # The session works on the API too (the field app uses it).
        me = client.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["rpps_confirmed"] is True
    # The provider switched off: the sessions it opened end (its backend is no longer listed).
    gone = client.get("/compte/securite/")
    assert gone.status_code == 302 and gone["Location"].startswith(reverse("accounts:login"))
    doctor.refresh_from_db()
    assert doctor.rpps_verified == RPPS_DOCTOR and doctor.rpps_confirmed
    assert doctor.idp_professions == ["10"] and doctor.rpps_verified_at is not None
    event = SignInEvent.objects.get()
    assert (event.user_id, event.outcome, event.rpps_confirmed, event.method) == (doctor.pk, "signed_in", True,
                                                                                  "oidc")
    # Only ids and the outcome: no RPPS, no profession, no name in the journal row.
    row = json.dumps(list(SignInEvent.objects.values()), default=str)
    assert RPPS_DOCTOR not in row and "Doctor" not in row


@pytest.mark.django_db
def test_password_session_of_the_same_account_still_needs_its_code(provider, doctor, settings):
    settings.REQUIRE_2FA = True
    with settings_for(provider):
        client = Client()
        assert client.post(reverse("accounts:login"), {"username": "doctor",
                                                        "password": "correct-horse-battery-staple"}).status_code == 302
        response = client.get("/compte/securite/")
        assert response.status_code == 302 and "/compte/" in response["Location"]
        assert "securite" not in response["Location"].split("?")[0]


@pytest.mark.django_db
def test_unknown_professional_is_refused_with_a_message_and_no_account(provider, world):
    accounts = User.objects.count()
    with settings_for(provider):
        client = Client()
        response = provider_sign_in(client, "stranger")
        assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
        assert "_auth_user_id" not in client.session
        page = client.get(reverse("accounts:login"))
        text = page.content.decode()
        assert "Aucun compte Auprès n’est relié à cette identité professionnelle" in text or \
            "Aucun compte Auprès n'est relié à cette identité professionnelle" in text
    assert User.objects.count() == accounts
    assert not User.objects.filter(rpps=RPPS_STRANGER).exists()
    event = SignInEvent.objects.get()
    assert (event.user_id, event.outcome, event.username) == (None, "unknown", "")


@pytest.mark.django_db
def test_matched_by_verified_email_records_the_rpps(provider, world):
    nurse = world.users["nurse"]
    nurse.email = "Claire.Nurse@example.org"
    nurse.save(update_fields=["email"])
    with settings_for(provider):
        client = Client()
        provider_sign_in(client, "nurse.claire")
        assert int(client.session["_auth_user_id"]) == nurse.pk
    nurse.refresh_from_db()
    assert nurse.rpps == RPPS_NURSE and nurse.rpps_confirmed and nurse.idp_professions == ["60"]


@pytest.mark.django_db
def test_email_matching_can_be_switched_off(provider, world):
    nurse = world.users["nurse"]
    nurse.email = "claire.nurse@example.org"
    nurse.save(update_fields=["email"])
    with settings_for(provider, MATCH_EMAIL="0"):
        client = Client()
        provider_sign_in(client, "nurse.claire")
        assert "_auth_user_id" not in client.session
    nurse.refresh_from_db()
    assert nurse.rpps == "" and not nurse.rpps_confirmed


@pytest.mark.django_db
def test_email_of_an_account_holding_another_rpps_is_refused(provider, world):
    psy = world.users["psychologist"]
    psy.email, psy.rpps = "psy@example.org", RPPS_STRANGER
    psy.save(update_fields=["email", "rpps"])
    with settings_for(provider):
        client = Client()
        provider_sign_in(client, "impostor")
        assert "_auth_user_id" not in client.session
    psy.refresh_from_db()
    assert psy.rpps == RPPS_STRANGER and psy.rpps_verified == ""
    assert SignInEvent.objects.get().outcome == "rpps_mismatch"


@pytest.mark.django_db
def test_administrator_and_deactivated_accounts_are_refused(provider, doctor):
    with settings_for(provider):
        doctor.is_superuser = True
        doctor.save(update_fields=["is_superuser"])
        client = Client()
        provider_sign_in(client, "dr.amrani")
        assert "_auth_user_id" not in client.session
        doctor.is_superuser, doctor.is_active = False, False
        doctor.save(update_fields=["is_superuser", "is_active"])
        provider_sign_in(client, "dr.amrani")
        assert "_auth_user_id" not in client.session
    assert list(SignInEvent.objects.order_by("pk").values_list("outcome", flat=True)) == ["administrator",
                                                                                         "inactive"]


@pytest.mark.django_db
def test_tampered_state_or_code_signs_no_one_in(provider, doctor):
    with settings_for(provider):
        client = Client()
        # A state this browser never sent: mozilla-django-oidc raises SuspiciousOperation, Django answers 400.
        forged = provider_sign_in(client, "dr.amrani", tamper=lambda q: re.sub(r"state=[^&]+", "state=forged", q))
        assert forged.status_code == 400
        assert "_auth_user_id" not in client.session
        response = provider_sign_in(client, "dr.amrani", tamper=lambda q: re.sub(r"code=[^&]+", "code=forged", q))
        assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert SignInEvent.objects.get().outcome == "failed"


@pytest.mark.django_db
def test_wrong_issuer_or_audience_is_refused(provider, doctor):
    # A token from the right provider for another client, or an issuer we do not trust, is refused.
    with settings_for(provider, ISSUER="http://127.0.0.1:1/not-our-provider"):
        client = Client()
        provider_sign_in(client, "dr.amrani")
        assert "_auth_user_id" not in client.session
    doctor.refresh_from_db()
    assert not doctor.rpps_confirmed
    assert SignInEvent.objects.get().outcome == "failed"


@pytest.mark.django_db
def test_only_an_rpps_confirmed_profession_opens_health_when_required(provider, doctor, settings):
    person_page = reverse("persons:detail", args=[doctor.world.person.pk])
    settings.OIDC_REQUIRE_RPPS_FOR_HEALTH = True
    # Before any sign-in through the provider: the doctor's RPPS is typed, not confirmed: no health.
    assert "health" not in set().union(*compartments_by_service(doctor).values())
    password_page = login(doctor).get(person_page)
    assert password_page.status_code == 200 and "Diabète secret" not in password_page.content.decode()
    with settings_for(provider, REQUIRE_RPPS_FOR_HEALTH="1"):
        client = Client()
        provider_sign_in(client, "dr.amrani")
        doctor.refresh_from_db()
        forget(doctor)
        assert "health" in set().union(*compartments_by_service(doctor).values())
        assert "Diabète secret" in client.get(person_page).content.decode()
        # The RPPS changed on the account since (the medical lead typed another): no longer confirmed.
        doctor.rpps = RPPS_NURSE
        doctor.save(update_fields=["rpps"])
        forget(doctor)
        assert "health" not in set().union(*compartments_by_service(doctor).values())
    # Off: the profession alone opens health, as before.
    settings.OIDC_REQUIRE_RPPS_FOR_HEALTH = False
    forget(doctor)
    assert "health" in set().union(*compartments_by_service(doctor).values())


@pytest.mark.django_db
def test_confirmed_rpps_with_another_profession_does_not_open_health(provider, doctor, settings):
    settings.OIDC_REQUIRE_RPPS_FOR_HEALTH = True
    with settings_for(provider, REQUIRE_RPPS_FOR_HEALTH="1"):
        client = Client()
        provider_sign_in(client, "dr.wrongjob")
        assert int(client.session["_auth_user_id"]) == doctor.pk
        doctor.refresh_from_db()
        assert doctor.rpps_confirmed and doctor.idp_professions == ["93"]
        forget(doctor)
        # Signed in, still in the team (social, administrative), but the doctor's place opens no health.
        held = set().union(*compartments_by_service(doctor).values())
        assert "social" in held and "health" not in held


@pytest.mark.django_db
def test_off_by_default_no_button_and_404(world):
    client = Client()
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200 and 'data-testid="oidc-login"' not in page.content.decode()
    assert client.get(reverse("accounts:oidc_login")).status_code == 404
    assert client.get(reverse("accounts:oidc_callback") + "?code=x&state=y").status_code == 404


@pytest.mark.django_db
def test_button_shows_the_configured_label(provider, world):
    with settings_for(provider):
        page = Client().get(reverse("accounts:login") + "?next=/personnes/").content.decode()
        assert "Se connecter avec Pro Santé Connect" in page
        assert 'href="/compte/pro-sante-connect/?next=/personnes/"' in page
    with settings_for(provider, LABEL="Connexion e-CPS"):
        page = Client().get(reverse("accounts:login")).content.decode()
        assert "Connexion e-CPS" in page and "Pro Santé Connect" not in page


@pytest.mark.django_db
def test_no_one_sets_their_own_rpps_or_provider_profession(world, api_as):
    """The identity fields are written by the provider's sign-in only: no form, no API field takes them."""
    doctor = world.users["doctor"]
    api = api_as(doctor)
    me = api.get("/auth/me").json()
    assert me["rpps_confirmed"] is False
    for method in ("patch", "post"):
        response = getattr(api, method)("/auth/me", {"rpps_verified": RPPS_DOCTOR, "idp_professions": ["10"]})
        assert response.status_code in (404, 405)
    # Their own membership (and the RPPS typed with it) is refused to everyone, administrators included.
    membership = doctor.memberships.get()
    response = api.patch(f"/memberships/{membership.pk}", {"version": membership.version, "profession": "doctor",
                                                            "rpps": RPPS_DOCTOR})
    assert response.status_code in (403, 404)
    doctor.refresh_from_db()
    assert doctor.rpps == "" and doctor.rpps_verified == "" and doctor.idp_professions == []
    fields = {f.name for f in User._meta.get_fields() if getattr(f, "editable", False)}
    assert not {"rpps_verified", "rpps_verified_at", "idp_professions"} & fields


@pytest.mark.django_db
def test_refusals_behind_one_address_lock_no_one_out(provider, doctor, settings):
    """django-axes counts wrong passwords per username and address; refusals through the provider carry no
    password and must not lock out the next professional of the same address (a hospital's NAT)."""
    with settings_for(provider):
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            provider_sign_in(Client(), "stranger")
        client = Client()
        response = provider_sign_in(client, "dr.amrani")
        assert response.status_code == 302 and int(client.session["_auth_user_id"]) == doctor.pk
        # Passwords are still counted as before.
        for _ in range(settings.AXES_FAILURE_LIMIT):
            Client().post(reverse("accounts:login"), {"username": "nurse", "password": "wrong-password-x"})
        locked = Client().post(reverse("accounts:login"), {"username": "nurse",
                                                           "password": "correct-horse-battery-staple"})
        assert locked.status_code == 429


@pytest.mark.django_db
def test_link_professional_command(world):
    from django.core.management import CommandError, call_command

    nurse, psy = world.users["nurse"], world.users["psychologist"]
    call_command("link_professional", "nurse", RPPS_NURSE)
    nurse.refresh_from_db()
    assert nurse.rpps == RPPS_NURSE and not nurse.rpps_confirmed
    with pytest.raises(CommandError, match="RPPS"):
        call_command("link_professional", "psychologist", RPPS_NURSE)  # held by the nurse
    with pytest.raises(CommandError):
        call_command("link_professional", "psychologist", "10000000000")  # wrong check key
    psy.refresh_from_db()
    assert psy.rpps == ""


def test_claims_are_read_under_the_configured_names(settings):
    from aupres.accounts.services import professional_identity

    settings.OIDC_RPPS_CLAIM, settings.OIDC_PROFESSION_CLAIM = "SubjectNameID", "SubjectRefPro"
    identity = professional_identity({"sub": "x", "SubjectNameID": "8" + RPPS_DOCTOR, "SubjectRefPro": {
        "exercices": [{"codeProfession": "10"}, {"codeProfession": "10"}, {"codeProfession": "<script>"}]}})
    assert (identity.rpps, identity.professions) == (RPPS_DOCTOR, ("10",))
    assert professional_identity({"SubjectNameID": "0" + "75" + "1234567"}).rpps == ""  # ADELI-based IdNat
    assert professional_identity({"SubjectNameID": "10000000000"}).rpps == ""  # wrong key
    assert professional_identity({"email": "a@b.fr", "email_verified": "false"}).email_verified is False
