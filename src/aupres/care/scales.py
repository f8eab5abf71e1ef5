"""Standard scales as DATA: items (with the points of each answer, or a numeric range), how the score is
made, and thresholds that name the level. A service adds a scale by adding an entry here (and its
migration for the choices); services.score() reads only this table.

- pain: numeric rating scale (EN, 0–10);
- fall risk: Morse Fall Scale (0–125; ≥ 45 high risk);
- undernutrition: weight and height give the BMI; the MNA short form (MNA-SF, 0–14) screens, its BMI item
  computed from the BMI;
- pressure ulcer: Braden scale (6–23; the lower, the higher the risk);
- autonomy: the AGGIR grid (Code de l'action sociale et des familles, annexes 2-1 and 2-2), coded A/B/C: six
  of the ten discriminant variables are coded through their sub-variables (coherence: communication and
  behaviour; orientation: time and space; washing: upper and lower body; dressing: upper, middle and lower;
  eating: helping oneself and eating; elimination: urinary and faecal), the variable's code following from
  theirs by the guide's combination rules (AGGIR_COMBINATIONS); the seven illustrative variables (managing
  one's affairs, cooking, housework, transport, shopping, following the treatment, leisure) are recorded and
  weigh nothing. The GIR group is computed by the official rank algorithm (annexe 2-2): eight discriminant
  variables are summed with the weights of groups A to H in turn; the first sum reaching its threshold gives
  the rank, the rank gives the GIR (1 = most dependent, 6 = autonomous).
  Each (sub-)variable may be coded through the guide's four adverbs instead of directly (AGGIR_ADVERBS): the
  evaluator ticks those the person meets (does it spontaneously, fully, correctly, usually); all four give A,
  some give B, none gives C (« ne fait pas »). A grid keeps the adverbs ticked beside the code they gave.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Item:
    code: str
    label: object
    choices: tuple = ()  # ((value, label, points), ...)
    minimum: float | None = None  # numeric items: the range
    maximum: float | None = None
    computed: bool = False  # derived from other items (not asked)
    required: bool = True  # an optional item may be left blank (it weighs nothing in the score)
    part_of: str = ""  # AGGIR: the variable this sub-variable codes
    adverbs: bool = False  # AGGIR: may be coded through the four adverbs (S, T, C, H)
    section: object = ""  # the heading the form groups the item under


@dataclass(frozen=True)
class Scale:
    code: str
    label: object
    items: tuple
    levels: tuple  # ((level code, label, lowest score of the level), ...) highest first, or via `rank`
    kind: str = "sum"  # "sum", "bmi_mna", "aggir"
    higher_is_worse: bool = True
    unit: object = ""
    extra: dict = field(default_factory=dict)

    def item(self, code):
        return next(i for i in self.items if i.code == code)


def _choices(*triples):
    return tuple(triples)


PAIN = Scale("pain_nrs", _("Pain (numeric scale 0–10)"), (
    Item("pain", _("Pain, from 0 (none) to 10 (worst imaginable)"), minimum=0, maximum=10),
), levels=(("severe", _("Severe pain"), 7), ("moderate", _("Moderate pain"), 4), ("mild", _("Mild pain"), 1),
           ("none", _("No pain"), 0)))

MORSE = Scale("fall_morse", _("Fall risk (Morse scale)"), (
    Item("history", _("History of falling (within 3 months)"), _choices(("no", _("No"), 0), ("yes", _("Yes"), 25))),
    Item("secondary_diagnosis", _("Secondary diagnosis"), _choices(("no", _("No"), 0), ("yes", _("Yes"), 15))),
    Item("aid", _("Ambulatory aid"), _choices(
        ("none", _("None, bed rest, nurse assist"), 0), ("crutches", _("Crutches, cane, walker"), 15),
        ("furniture", _("Holds on to furniture"), 30))),
    Item("iv", _("Intravenous therapy or heparin lock"), _choices(("no", _("No"), 0), ("yes", _("Yes"), 20))),
    Item("gait", _("Gait"), _choices(("normal", _("Normal, bed rest, wheelchair"), 0), ("weak", _("Weak"), 10),
                                    ("impaired", _("Impaired"), 20))),
    Item("mental", _("Mental status"), _choices(("oriented", _("Knows own ability"), 0),
                                              ("forgets", _("Overestimates or forgets limits"), 15))),
), levels=(("high", _("High fall risk"), 45), ("moderate", _("Moderate fall risk"), 25),
           ("low", _("Low fall risk"), 0)))

MNA = Scale("nutrition_mna", _("Undernutrition (weight, BMI, MNA short form)"), (
    Item("weight_kg", _("Weight (kg)"), minimum=20, maximum=300),
    Item("height_cm", _("Height (cm)"), minimum=100, maximum=230),
    Item("intake", _("Food intake declined over the past 3 months"), _choices(
        ("severe", _("Severe decrease"), 0), ("moderate", _("Moderate decrease"), 1), ("none", _("No decrease"), 2))),
    Item("weight_loss", _("Weight loss during the last 3 months"), _choices(
        ("over_3kg", _("More than 3 kg"), 0), ("unknown", _("Does not know"), 1), ("1_3kg", _("Between 1 and 3 kg"), 2),
        ("none", _("No weight loss"), 3))),
    Item("mobility", _("Mobility"), _choices(("bed", _("Bed or chair bound"), 0),
                                            ("home", _("Gets out of bed or chair, does not go out"), 1),
                                            ("out", _("Goes out"), 2))),
    Item("stress", _("Psychological stress or acute disease in the past 3 months"), _choices(
        ("yes", _("Yes"), 0), ("no", _("No"), 2))),
    Item("neuro", _("Neuropsychological problems"), _choices(
        ("dementia", _("Severe dementia or depression"), 0), ("mild", _("Mild dementia"), 1),
        ("none", _("No psychological problems"), 2))),
    Item("bmi", _("Body mass index (computed)"), computed=True),
), levels=(("normal", _("Normal nutritional status"), 12), ("at_risk", _("At risk of malnutrition"), 8),
           ("malnourished", _("Malnourished"), 0)), kind="bmi_mna", higher_is_worse=False)

_FOUR = lambda *labels: _choices(*((str(i + 1), label, i + 1) for i, label in enumerate(labels)))  # noqa: E731

BRADEN = Scale("pressure_braden", _("Pressure-ulcer risk (Braden scale)"), (
    Item("sensory", _("Sensory perception"), _FOUR(_("Completely limited"), _("Very limited"), _("Slightly limited"),
                                                  _("No impairment"))),
    Item("moisture", _("Moisture"), _FOUR(_("Constantly moist"), _("Very moist"), _("Occasionally moist"),
                                         _("Rarely moist"))),
    Item("activity", _("Activity"), _FOUR(_("Bedfast"), _("Chairfast"), _("Walks occasionally"),
                                         _("Walks frequently"))),
    Item("mobility", _("Mobility"), _FOUR(_("Completely immobile"), _("Very limited"), _("Slightly limited"),
                                         _("No limitation"))),
    Item("nutrition", _("Nutrition"), _FOUR(_("Very poor"), _("Probably inadequate"), _("Adequate"), _("Excellent"))),
    Item("friction", _("Friction and shear"), _FOUR(_("Problem"), _("Potential problem"), _("No apparent problem"))),
), levels=(("none", _("No particular risk"), 19), ("mild", _("Mild risk"), 15), ("moderate", _("Moderate risk"), 13),
           ("high", _("High risk"), 10), ("very_high", _("Very high risk"), 0)), higher_is_worse=False)

AGGIR_VARIABLES = (
    ("coherence", _("Coherence")), ("orientation", _("Orientation")), ("toilet", _("Washing")),
    ("dressing", _("Dressing")), ("eating", _("Eating")), ("elimination", _("Elimination")),
    ("transfers", _("Transfers")), ("moving_inside", _("Moving about indoors")),
    ("moving_outside", _("Moving about outdoors")), ("communication", _("Communicating at a distance")),
)
# Sub-variables of the grid (annexe 2-1): a variable listed here is coded through them.
AGGIR_SUBVARIABLES = {
    "coherence": (("communication", _("communication")), ("behaviour", _("behaviour"))),
    "orientation": (("time", _("in time")), ("space", _("in space"))),
    "toilet": (("upper", _("upper body")), ("lower", _("lower body"))),
    "dressing": (("upper", _("upper body")), ("middle", _("middle")), ("lower", _("lower body"))),
    "eating": (("serving", _("helping oneself")), ("eating", _("eating"))),
    "elimination": (("urinary", _("urinary")), ("faecal", _("faecal"))),
}
# How a variable's code follows from its sub-variables' (in the order above): all A gives A, all C gives C,
# any other combination gives B except those listed here, which give C (coherence, orientation and
# elimination: one part not done at all; eating: one part not done and the other partly).
AGGIR_COMBINATIONS = {
    "coherence": {"AC", "CA", "BC", "CB"},
    "orientation": {"AC", "CA", "BC", "CB"},
    "eating": {"BC", "CB"},
    "elimination": {"AC", "CA", "BC", "CB"},
}
AGGIR_ILLUSTRATIVE = (
    ("management", _("Managing one's affairs, budget and property")), ("cooking", _("Cooking")),
    ("housework", _("Housework")), ("transport", _("Transport")), ("shopping", _("Shopping")),
    ("treatment", _("Following the treatment")), ("leisure", _("Leisure activities")),
)
# The guide's four adverbs (annexe 2-1), in its order: the person does it alone spontaneously, fully,
# correctly and usually. Codes are the guide's own letters.
AGGIR_ADVERBS = (("S", _("spontaneously")), ("T", _("fully")), ("C", _("correctly")), ("H", _("usually")))
ADVERBS_SUFFIX = "_adverbs"
_ABC = _choices(("A", _("A: does it alone, fully, usually and correctly"), 0), ("B", _("B: partly"), 0),
                ("C", _("C: does not do it"), 0))


def _aggir_items():
    discriminant, illustrative = _("Discriminant variables"), _("Illustrative variables (not in the GIR)")
    items = []
    for code, label in AGGIR_VARIABLES:
        for sub, sub_label in AGGIR_SUBVARIABLES.get(code, ()):
            items.append(Item(f"{code}_{sub}", format_lazy("{} — {}", label, sub_label), _ABC, part_of=code,
                              section=discriminant, adverbs=True))
        if code not in AGGIR_SUBVARIABLES:
            items.append(Item(code, label, _ABC, section=discriminant, adverbs=True))
    items += [Item(code, label, _ABC, required=False, section=illustrative, adverbs=True)
              for code, label in AGGIR_ILLUSTRATIVE]
    return tuple(items)


def aggir_code_from_adverbs(ticked):
    """The code the adverbs met give (the guide: all four A, none C, any other B)."""
    met = set(ticked)
    return "A" if met == {code for code, _label in AGGIR_ADVERBS} else "C" if not met else "B"


def _aggir_adverbs(scale, raw):
    """Codes the items answered by their adverbs. A code given beside adverbs must be the one they give (a
    grid copied with a slip is refused rather than silently recoded). Returns {item: adverbs kept}."""
    known = "".join(code for code, _label in AGGIR_ADVERBS)
    kept = {}
    for item in scale.items:
        given = raw.get(item.code + ADVERBS_SUFFIX)
        if not item.adverbs or given in (None, ""):
            continue
        letters = given if isinstance(given, str) else "".join(given)
        if letters.strip() == "-":  # none met: « ne fait pas »
            letters = ""
        if any(letter not in known for letter in letters):
            raise ScaleError(_("The adverbs are S, T, C and H (spontaneously, fully, correctly, usually)."),
                             item.code + ADVERBS_SUFFIX)
        letters = "".join(code for code in known if code in letters)  # the guide's order, once each
        derived = aggir_code_from_adverbs(letters)
        if raw.get(item.code) not in (None, "", derived):
            raise ScaleError(format_lazy(_("The adverbs ticked give {code}, not {given}."), code=derived,
                                         given=raw[item.code]), item.code)
        raw[item.code] = derived
        kept[item.code + ADVERBS_SUFFIX] = letters or "-"
    return kept


def aggir_variable(variable, codes):
    """The code of a variable from its sub-variables' codes, in order ("AB" -> "B")."""
    joined = "".join(codes)
    if set(joined) == {"A"}:
        return "A"
    if set(joined) == {"C"} or joined in AGGIR_COMBINATIONS.get(variable, ()):
        return "C"
    return "B"


# Annexe 2-2 of the Code de l'action sociale et des familles: for each group, the value of modality C then of
# modality B for the eight discriminant variables (coherence … moving_inside; moving_outside and
# communication weigh 0 in every group), then the (lowest sum, rank) thresholds tried in order.
AGGIR_GROUPS = (
    ("A", (2000, 1200, 40, 40, 60, 100, 800, 200), (0, 0, 16, 16, 20, 16, 120, 32), ((4380, 1), (4140, 2), (3390, 3))),
    ("B", (1500, 1200, 40, 40, 60, 100, 800, -80), (320, 120, 16, 16, 0, 16, 120, -40), ((2016, 4),)),
    ("C", (0, 0, 40, 40, 60, 160, 1000, 400), (0, 0, 16, 16, 20, 20, 200, 40), ((1700, 5), (1432, 6))),
    ("D", (0, 0, 0, 0, 2000, 400, 2000, 200), (0, 0, 0, 0, 200, 200, 200, 0), ((2400, 7),)),
    ("E", (400, 400, 400, 400, 400, 800, 800, 200), (0, 0, 100, 100, 100, 100, 100, 0), ((1200, 8),)),
    ("F", (200, 200, 500, 500, 500, 500, 500, 200), (100, 100, 100, 100, 100, 100, 100, 0), ((800, 9),)),
    ("G", (150, 150, 300, 300, 500, 500, 400, 200), (0, 0, 200, 200, 200, 200, 200, 100), ((650, 10),)),
    ("H", (0, 0, 3000, 3000, 3000, 3000, 1000, 1000), (0, 0, 2000, 2000, 2000, 2000, 2000, 1000),
     ((4000, 11), (2000, 12), (None, 13))),
)
RANK_TO_GIR = {1: 1, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 3, 9: 3, 10: 4, 11: 4, 12: 5, 13: 6}

AGGIR = Scale("aggir", _("Autonomy (AGGIR grid, GIR group)"), _aggir_items(),
              levels=tuple((f"gir{n}", f"GIR {n}", n) for n in range(6, 0, -1)),
              kind="aggir", unit=_("GIR"))

SCALES = {s.code: s for s in (PAIN, MORSE, MNA, BRADEN, AGGIR)}
SCALE_CHOICES = [(s.code, s.label) for s in SCALES.values()]
_FIRST_LABEL = {}
for _scale in SCALES.values():
    for _code, _label, _low in _scale.levels:
        _FIRST_LABEL.setdefault(_code, _label)
# One choice per level code (codes shared by scales, e.g. "high", take the first label); the label shown
# for a result is LEVEL_LABELS[(scale, level)].
LEVEL_CHOICES = sorted(_FIRST_LABEL.items())
LEVEL_LABELS = {(s.code, code): label for s in SCALES.values() for code, label, _low in s.levels}


class ScaleError(ValueError):
    def __init__(self, message, item=None):
        super().__init__(str(message))
        self.message, self.item = message, item


def aggir_rank(answers):
    """The rank (1–13) of AGGIR modalities {variable: "A"|"B"|"C"} by the official algorithm."""
    order = [code for code, _label in AGGIR_VARIABLES[:8]]
    for _group, c_values, b_values, thresholds in AGGIR_GROUPS:
        total = sum(c if answers[v] == "C" else b if answers[v] == "B" else 0
                    for v, c, b in zip(order, c_values, b_values, strict=True))
        for lowest, rank in thresholds:
            if lowest is None or total >= lowest:
                return rank
    raise AssertionError("group H always gives a rank")  # pragma: no cover


def bmi(weight_kg, height_cm):
    metres = Decimal(str(height_cm)) / 100
    return (Decimal(str(weight_kg)) / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def mna_bmi_points(value):
    """MNA-SF item F1: BMI < 19: 0; 19 to < 21: 1; 21 to < 23: 2; ≥ 23: 3."""
    return 0 if value < 19 else 1 if value < 21 else 2 if value < 23 else 3


def _level(scale, score):
    for code, _label, lowest in scale.levels:
        if score >= lowest:
            return code
    return scale.levels[-1][0]


def _aggir_variables(raw):
    """The answers with each variable coded from its sub-variables. A variable answered as a whole (an
    evaluation copied from a paper grid that kept only the variables) is taken as it is when none of its
    sub-variables is answered. Returns (answers, the variables answered as a whole)."""
    whole = set()
    for variable, subs in AGGIR_SUBVARIABLES.items():
        codes = [raw.get(f"{variable}_{sub}") for sub, _label in subs]
        if not any(codes) and raw.get(variable) not in (None, ""):
            if raw[variable] not in ("A", "B", "C"):
                raise ScaleError(_("This answer is not one of the scale's."), variable)
            whole.add(variable)
            continue
        for (sub, _label), code in zip(subs, codes, strict=True):
            if code in (None, ""):
                raise ScaleError(_("Answer every item of the scale."), f"{variable}_{sub}")
            if code not in ("A", "B", "C"):
                raise ScaleError(_("This answer is not one of the scale's."), f"{variable}_{sub}")
        raw[variable] = aggir_variable(variable, codes)
    return raw, whole


def score(scale_code, raw):
    """(answers kept, score, level) for the answers given, or ScaleError naming the item at fault."""
    scale = SCALES.get(scale_code)
    if scale is None:
        raise ScaleError(_("Unknown scale."), "scale")
    answers, points = {}, {}
    raw, whole, adverbs = dict(raw or {}), set(), {}
    if scale.kind == "aggir":
        adverbs = _aggir_adverbs(scale, raw)
        raw, whole = _aggir_variables(raw)
    for item in scale.items:
        if item.computed or item.part_of in whole:
            continue
        value = raw.get(item.code)
        if value in (None, "") and not item.required:
            continue
        if value in (None, ""):
            raise ScaleError(_("Answer every item of the scale."), item.code)
        if item.choices:
            table = {str(v): p for v, _label, p in item.choices}
            if str(value) not in table:
                raise ScaleError(_("This answer is not one of the scale's."), item.code)
            answers[item.code], points[item.code] = str(value), table[str(value)]
        else:
            try:
                number = Decimal(str(value).replace(",", "."))
            except ArithmeticError:
                raise ScaleError(_("Enter a number."), item.code) from None
            if not number.is_finite() or not (item.minimum <= number <= item.maximum):
                raise ScaleError(_("Enter a number between %(lo)s and %(hi)s.") % {
                    "lo": item.minimum, "hi": item.maximum}, item.code)
            answers[item.code], points[item.code] = str(number), number
    if scale.kind == "aggir":
        answers.update({code: raw[code] for code in AGGIR_SUBVARIABLES})
        answers.update(adverbs)
        rank = aggir_rank(answers)
        gir = RANK_TO_GIR[rank]
        answers["rank"] = rank
        return answers, Decimal(gir), f"gir{gir}"
    if scale.kind == "bmi_mna":
        value = bmi(points.pop("weight_kg"), points.pop("height_cm"))
        answers["bmi"] = str(value)
        points["bmi"] = mna_bmi_points(value)
    total = Decimal(sum(points.values()))
    return answers, total, _level(scale, total)
