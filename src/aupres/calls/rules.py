"""The eligibility rules of a call, as data (Call.rules): each rule is {"code": ..., parameters}; `check`
returns the reasons an application breaks them, in French, so that the screen and the API show why.

Seed 003: « Ne seront pas éligibles … les équipes mobiles, maraudes, interventions n'incluant pas un
professionnel de santé » is {"code": "team_includes", "professions": ["doctor", "nurse", "midwife"]}.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aupres.services.models import Profession

CODES = {
    "team_includes": gettext_lazy("The planned team includes one of these professions"),
    "kind_sought": gettext_lazy("The service envisaged is one of the kinds sought (or undecided)"),
    "territories_in_call": gettext_lazy("The territories are among those of the call"),
    "mediation_alliance": gettext_lazy("An alliance with a health mediation actor is described"),
    "min_team_etp": gettext_lazy("The planned team counts at least this many ETP"),
}

# Seed 003's rules, offered when a funder publishes a call.
SEED_003 = [
    {"code": "team_includes", "professions": [Profession.DOCTOR.value, Profession.NURSE.value,
                                              Profession.MIDWIFE.value]},
    {"code": "kind_sought"},
    {"code": "territories_in_call"},
]


def validate(rules):
    """The rules as stored, or ValueError with the French reason."""
    if not isinstance(rules, list):
        raise ValueError(_("The rules are a list."))
    out = []
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("code") not in CODES:
            raise ValueError(_("Unknown eligibility rule."))
        code = rule["code"]
        if code == "team_includes":
            professions = rule.get("professions") or []
            if not professions or set(professions) - set(Profession.values):
                raise ValueError(_("Name the professions the team must include."))
            out.append({"code": code, "professions": sorted(set(professions))})
        elif code == "min_team_etp":
            try:
                value = Decimal(str(rule.get("value")))
            except InvalidOperation:
                raise ValueError(_("Give the minimum ETP as a number.")) from None
            if value <= 0:
                raise ValueError(_("Give the minimum ETP as a number."))
            out.append({"code": code, "value": str(value)})
        else:
            out.append({"code": code})
    return out


def describe(rule):
    text = str(CODES.get(rule.get("code"), rule.get("code")))
    if rule.get("code") == "team_includes":
        labels = dict(Profession.choices)
        text += " : " + ", ".join(str(labels.get(p, p)) for p in rule.get("professions", []))
    elif rule.get("code") == "min_team_etp":
        text += f" : {rule.get('value')}"
    return text


def check(call_rules, *, kind_id, kinds_sought, territory_ids, call_territory_ids, mediation_alliance,
          planned_team):
    """The reasons why an application is not eligible (empty: eligible)."""
    reasons = []
    team = {p: Decimal(str(etp)) for p, etp in (planned_team or {}).items() if Decimal(str(etp)) > 0}
    labels = dict(Profession.choices)
    for rule in call_rules or []:
        code = rule.get("code")
        if code == "team_includes" and not set(team) & set(rule.get("professions", [])):
            reasons.append(_("The planned team has no %(professions)s: the call does not fund a team without "
                             "one.") % {"professions": " / ".join(str(labels.get(p, p)).lower()
                                                                  for p in rule.get("professions", []))})
        elif code == "kind_sought" and kind_id is not None and kind_id not in set(kinds_sought):
            reasons.append(_("The service envisaged is not among the kinds this call funds."))
        elif code == "territories_in_call" and (not territory_ids or set(territory_ids) - set(call_territory_ids)):
            reasons.append(_("A territory of the application is outside the call's territories."))
        elif code == "mediation_alliance" and not (mediation_alliance or "").strip():
            reasons.append(_("The call asks for an alliance with a health mediation actor."))
        elif code == "min_team_etp" and sum(team.values(), Decimal(0)) < Decimal(rule.get("value", "0")):
            reasons.append(_("The planned team counts fewer than %(etp)s ETP.") % {"etp": rule.get("value")})
    return reasons
