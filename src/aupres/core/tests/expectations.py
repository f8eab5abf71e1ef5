"""What the tests expect of the access model, written out by hand from DOMAIN.md and docs/decisions.md.

NOTHING here is imported from the product (issue #22): a change to `services.models.HEALTH_PROFESSIONS`,
`compartments_of` or `core.access` must make the tests fail, not move their expectation with it. When the
product's rules change on purpose, this table changes in the same commit, by hand, with the decision.

- DOMAIN.md §1 lists the professions; §5: medical content is read only by the health professionals of the
  team following the person (secret médical, secret partagé); social content by the following team;
  docs/decisions.md D2: the head of service reads the administrative compartment only (identity aside).
- Who may override a refusal of eligibility or capacity: the head of service of the referral's service
  (DOMAIN.md §3 "Intake"; D2/D16); a head of another service may not, even when a member of this one.
- Who decides on a referral: any active member of the service it is addressed to (referrals/services.py
  `_deciding`), never another team, a partner, a regulator or a funder.
- Who merges two records: whoever holds the administrative compartment on both through a team that follows
  each (D16): every profession of the following team, the head of service included.
- Who grants a membership: a head of service of the operator grants the professions that do not open the
  health compartment; a profession that opens it is granted only by the operator's medical lead or an
  administrator (D19); nobody grants themselves.
"""

HEALTH, SOCIAL, ADMINISTRATIVE = "health", "social", "administrative"
ALL = frozenset({HEALTH, SOCIAL, ADMINISTRATIVE})
TEAM = frozenset({SOCIAL, ADMINISTRATIVE})

# profession -> compartments read (and written) on a person the member's service follows.
READS = {
    "doctor": ALL,
    "midwife": ALL,
    "nurse": ALL,
    "care_assistant": ALL,
    "childcare_assistant": ALL,
    "psychologist": ALL,
    "health_manager": ALL,
    "social_worker": TEAM,
    "specialised_educator": TEAM,
    "socio_educational_assistant": TEAM,
    "mediator": TEAM,
    "driver": TEAM,
    "case_manager": TEAM,
    "head_of_service": frozenset({ADMINISTRATIVE}),
}

PROFESSIONS = tuple(READS)
HEALTH_READERS = ("doctor", "midwife", "nurse", "care_assistant", "childcare_assistant", "psychologist",
                  "health_manager")
SOCIAL_READERS = HEALTH_READERS + ("social_worker", "specialised_educator", "socio_educational_assistant",
                                   "mediator", "driver", "case_manager")
HEAD = ("head_of_service",)

# Emergency access (D13): health and social, read only; at most this many openings in 24 hours.
EMERGENCY_READS = frozenset({HEALTH, SOCIAL})
EMERGENCY_PER_DAY = 5

# Who may do what, by profession within the service concerned (see the module docstring).
MAY_DECIDE = PROFESSIONS
MAY_OVERRIDE = HEAD
MAY_MERGE = PROFESSIONS
GRANTS_NON_HEALTH = HEAD
GRANTS_HEALTH = ("medical_lead", "administrator")

# Statistical secrecy (DOMAIN.md §5, D10): a count of 1 to 4 persons never leaves the team; 5 does.
SMALLEST_PUBLISHED = 5

assert set(HEALTH_READERS) == {p for p, c in READS.items() if HEALTH in c}
assert set(SOCIAL_READERS) == {p for p, c in READS.items() if SOCIAL in c}
