"""Demo referrals: every source kind, every state (to decide, before the committee, waiting, accepted,
declined, forwarded, to route by the regulator), sent through the three doors; a regulator login
("regulateur") for the Hauts-de-France region; the partner login ("partenaire") sends some of them."""

import datetime
import unicodedata

from django.contrib.auth import get_user_model
from django.utils import timezone

from aupres.accounts.models import AccountKind
from aupres.demo.loader import DEMO_PASSWORD
from aupres.followups.models import FollowUp, FollowUpState
from aupres.persons.models import Person, Sex
from aupres.referrals import sweep
from aupres.referrals.models import (
    CommitteeMeeting,
    Consent,
    DeclineReason,
    Door,
    Referral,
    ReferralEvent,
    Source,
    Status,
    Urgency,
)

STATES = ["pending", "waiting", "accepted", "declined", "forwarded", "unrouted", "committee"]

# (needs, health need, social situation) by service kind code: plausible content for the demo.
CASES = {
    "lhss_mobile": (["health", "addiction"], "Plaies des jambes, alcoolisation quotidienne.",
                    "Dort sous un porche près de la gare, refuse le 115."),
    "lhss_day": (["health", "rights"], "Toux depuis trois semaines, pas de médecin traitant.",
                 "Hébergé chez des compatriotes, sans couverture maladie."),
    "lhss_residential": (["health", "nursing"], "Sortie d'hôpital après fracture, pansements quotidiens.",
                         "Sans solution d'hébergement à la sortie."),
    "emsp": (["health", "rights"], "Diabète non suivi, traitement interrompu.", "Campement au bord du canal."),
    "empp": (["mental_health"], "Propos délirants, refus de soins.", "Errance dans le centre-ville."),
    "ssiad_precarity": (["nursing"], "Injections d'insuline deux fois par jour.", "Vit en caravane."),
    "pass_mobile": (["health", "rights"], "Grossesse non suivie, 5 mois.", "Bidonville, famille de 6 personnes."),
    "case_management": (["social", "housing"], "", "À la rue depuis trois mois après une séparation."),
    "landlord_team": (["housing", "mental_health"], "Syndrome de Diogène suspecté.",
                      "Impayés de loyer, plaintes du voisinage, procédure d'expulsion engagée."),
    "act_outreach": (["health", "housing"], "VIH, observance difficile.", "Hébergé en CHRS, sortie prévue."),
}

ORGANISATIONS = {
    Source.STREET_TEAM: "Maraude Croix-Rouge Lille", Source.EMERGENCY_LINE: "SIAO du Nord",
    Source.SHELTER: "CHRS Les Glycines", Source.ASYLUM_HOUSING: "CADA de Roubaix", Source.HOSPITAL: "CHU de Lille",
    Source.PASS: "PASS du CH de Roubaix", Source.EMPP: "EMPP Lille Métropole", Source.CSAPA: "CSAPA Le Cèdre",
    Source.PMI: "PMI de Lille-Sud", Source.DAC: "DAC Métropole Lilloise", Source.TOWN_HALL: "Mairie de Tourcoing",
    Source.CCAS: "CCAS de Lens", Source.LANDLORD: "Habitat Solidaire — agence d'Arras",
    Source.INDIVIDUAL: "", Source.SELF: "", Source.OWN_SERVICE: "Association Abri Nord",
}
CONTACTS = ["Mme Leclercq", "M. Haddou", "Mme Vermeulen", "M. Dupré", "Mme Nowak", "M. Boulanger"]
PLACES = ["Lille — parvis de la gare Lille-Flandres", "Roubaix — square de la Grand-Place",
          "Tourcoing — squat rue de Mouvaux", "Arras — parking du centre hospitalier", "Lens — cité 12"]


def _regulator(demo):
    User = get_user_model()
    user, created = User.objects.get_or_create(username="regulateur", defaults={
        "first_name": "Inès", "last_name": "Roussel", "kind": AccountKind.REGULATOR,
        "email": "regulateur@demo.invalid", "organisation": "ARS Hauts-de-France — régulation",
        "territory": demo.region})
    if created:

        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def load(demo):
    regulator = _regulator(demo)
    if Referral.objects.exists():
        return
    rng, today = demo.rng, demo.today
    User = get_user_model()
    partner = User.objects.filter(username="partenaire").first()
    head = demo.staff["chef"]
    social = demo.staff["social"]
    codes = [c for c in CASES if c in demo.services]
    landlord = demo.services["landlord_team"]
    meeting = CommitteeMeeting.objects.create(
        service=landlord, held_on=today - datetime.timedelta(days=7), recorded_by=social,
        attendees="Habitat Solidaire (gestion locative), CMP d'Arras, CCAS d'Arras, équipe mobile",
        notes="Trois situations examinées.")
    waiting_rank = 0
    for i, source in enumerate(Source.values):
        for k in range(3):
            state = STATES[(i * 3 + k) % len(STATES)]
            code = "landlord_team" if state == "committee" or source == Source.LANDLORD else codes[(i + k) % len(codes)]
            service = demo.services[code]
            needs, health, situation = CASES[code]
            received = timezone.now() - datetime.timedelta(days=rng.randint(2, 120), hours=rng.randint(0, 12))
            door = Door.PUBLIC if source in (Source.INDIVIDUAL, Source.SELF) and k == 0 else (
                Door.PARTNER if partner and k != 2 and source not in (Source.OWN_SERVICE, Source.SELF) else Door.TEAM)
            sex = rng.choice([Sex.MALE, Sex.FEMALE])
            first, last = rng.choice(["Mariana", "Karim", "Josiane", "Ibrahim", "Florica", "Thierry", ""]), \
                rng.choice(["Ionescu", "Mansouri", "Vandenberghe", "Keita", "Dumont", ""])
            r = Referral(
                door=door, received_at=received, source=source,
                referrer_organisation=ORGANISATIONS[source] or "",
                referrer_name=rng.choice(CONTACTS) if source != Source.SELF else "",
                referrer_phone=f"03 20 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                sent_by=partner if door == Door.PARTNER else None,
                recorded_by=social if door == Door.TEAM else None,
                first_name=first, last_name=last,
                alias="" if (first or last) else rng.choice(["Le Grand", "Titi", "Mamie"]),
                sex=sex, estimated_age=rng.randint(20, 70), needs=needs, health_description=health,
                social_description=situation, location=rng.choice(PLACES),
                urgency=rng.choice(Urgency.values), consent=rng.choice([Consent.ASKS, Consent.AGREES,
                                                                        Consent.NOT_INFORMED]),
                service=service, territory=service.territories.first(), status=Status.PENDING)
            if code == "ssiad_precarity":
                r.prescription_date, r.prescriber = (today - datetime.timedelta(days=rng.randint(1, 20)),
                                                     "Dr Lefort (Lille)")
            if code == "case_management":
                r.consent, r.on_street_since = Consent.ASKS, today - datetime.timedelta(days=rng.randint(20, 170))
            decided = received + datetime.timedelta(days=rng.randint(1, 5))
            if state == "unrouted":
                r.service = None
            elif state == "waiting":
                waiting_rank += 1
                r.status, r.waiting_since = Status.WAITING, received + datetime.timedelta(hours=waiting_rank)
            elif state == "committee":
                r.status = Status.COMMITTEE
            elif state == "declined":
                r.status, r.decided_at, r.decided_by = Status.DECLINED, decided, head
                r.decline_reason = rng.choice([DeclineReason.NEED_ELSEWHERE, DeclineReason.UNREACHABLE,
                                               DeclineReason.NOT_ELIGIBLE, DeclineReason.NO_CAPACITY])
                r.decision_note = "Réorientation proposée vers l'EMSP du secteur."
            elif state == "forwarded":
                r.status, r.decided_at, r.decided_by = Status.FORWARDED, decided, head
                r.decision_note = "Relève plutôt de la psychiatrie de secteur."
            elif state == "accepted":
                person = demo._person(sex, r.estimated_age, with_alias=not (first or last))
                followup = FollowUp.objects.create(person=person, service=service, opened_on=decided.date(),
                                                   state=FollowUpState.INTAKE, referent=social)
                r.person, r.followup = person, followup
                r.status, r.decided_at, r.decided_by, r.accepted_at = Status.ACCEPTED, decided, head, decided
                if code == "landlord_team":
                    r.committee_meeting = meeting
                    r.committee_strategy = "Visite conjointe bailleur + infirmière du CMP sous quinze jours."
            r.save()
            ReferralEvent.objects.create(referral=r, at=received, by=r.recorded_by or r.sent_by, action="received",
                                         status=Status.PENDING, service=r.service)
            if r.decided_at or r.status == Status.WAITING:
                ReferralEvent.objects.create(referral=r, at=r.decided_at or r.waiting_since, by=head,
                                             action=r.status, status=r.status, service=r.service)
            if state == "forwarded":
                target = demo.services["empp"] if code != "empp" else demo.services["emsp"]
                copy = Referral.objects.create(
                    **{f.name: getattr(r, f.name) for f in Referral._meta.concrete_fields
                       if f.name not in ("id", "receipt", "version", "service", "status", "decided_at", "decided_by",
                                         "decision_note", "forwarded_from", "received_at")},
                    service=target, forwarded_from=r, status=Status.PENDING, received_at=decided)
                ReferralEvent.objects.create(referral=copy, at=decided, by=head, action="received",
                                             status=Status.PENDING, service=target)
    # An unrouted one on the regulator's side in each département, urgent.
    for dep in demo.departements.values():
        Referral.objects.create(door=Door.PUBLIC, source=Source.INDIVIDUAL, referrer_phone="06 70 00 00 00",
                                alias="Monsieur au chien", location="Sous le pont de l'autoroute",
                                needs=["health", "social"], urgency=Urgency.URGENT, territory=dep,
                                received_at=timezone.now() - datetime.timedelta(hours=5))
    assert regulator.pk
    duplicates(demo)


def _swap_inner(word):
    """One typo: two letters in the middle of the word swapped."""
    if len(word) < 4:
        return word
    i = len(word) // 2 - 1
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def duplicates(demo):
    """A few persons known twice, as two teams wrote them (a typo, accents lost, names swapped, a birth year
    one off), each record followed by a team of the head of service; then the sweep of the whole base, so
    that the head of service's review queue (« doublons probables ») shows them at once, not after the
    first night."""
    rng = demo.rng
    services = [s for code, s in demo.services.items() if code != "emsp_artois"]
    followed = list(FollowUp.objects.filter(service__in=services, person__first_name__gt="",
                                            person__last_name__gt="", person__birth_year__isnull=False)
                    .select_related("person").order_by("person_id")[:400])
    seen, chosen = set(), []
    for f in rng.sample(followed, min(len(followed), 60)):
        # three with a phone first, then two without
        wanted = bool(f.person.phone) if len(chosen) < 3 else not f.person.phone
        if f.person_id not in seen and len(chosen) < 5 and wanted:
            seen.add(f.person_id)
            chosen.append(f)
    for i, f in enumerate(chosen):
        p = f.person
        first, last, year = p.first_name, p.last_name, p.birth_year
        if i == 0:
            last = _swap_inner(last)
        elif i == 1:
            first, last = strip_accents(last).upper(), strip_accents(first).upper()
        elif i == 2:
            first = _swap_inner(first)
        elif i == 3:
            year = year + 1
        else:
            first, last = strip_accents(first), _swap_inner(last)
        # The same phone on three of them; the other two are told by their names and birth year only (the
        # sweep proposes them only if that is enough on this base).
        twin = Person.objects.create(first_name=first, last_name=last, birth_year=year, sex=p.sex,
                                     phone=p.phone if i < 3 else "", nationality=p.nationality)
        other = rng.choice([s for s in services if s.pk != f.service_id])
        demo._follow(twin, other, f.opened_on + datetime.timedelta(days=rng.randint(20, 90)))
    sweep.run()


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
