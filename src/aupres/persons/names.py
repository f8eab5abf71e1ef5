"""Keys that let a name be found however it is written (duplicate search, issue #21).

- `normalise`: transliterated to ASCII by `unidecode` (Ionuț → ionut, Aïcha → aicha, Łukasz → lukasz, even
  names typed in Arabic or Cyrillic script), lower case, separators (- ' .) as spaces.
- `phonetic`: a French-reading consonant key of one word (below), so that the spellings a French-speaking
  worker hears alike meet: Mohamed / Mohammed / Muhammad / Mouhamed → MMD, Aïcha / Aicha / Aisha → AX,
  Youssef / Youcef / Yusuf → ASF, Cissé / Sissé → SS, Keita / Kieta → KT, Thomas / Toma → TM.
- `name_tokens`: what Person stores in `name_tokens` (indexed on PostgreSQL, an array GIN index): the key of
  each word of the first and last names, of the whole of a compound name, and each such key joined to the
  birth year ("MMD.1984"), so that "this name, born that year ± 1" is one exact index lookup.
- `variants`: the words of a normalised name, each word of four letters or more with each one of its letters
  left out in turn, and each two neighbouring words joined (the deletion neighbourhood of each word): two
  spellings one typo apart (a letter changed, left out, added, or two letters swapped) always share one
  variant, however the typo changes the sound ("Diallp" / "Diallo" share "diall"). PostgreSQL computes the
  same array in SQL (aupres_name_variants, migration referrals 0008) and indexes it with the birth year.
- `NICKNAMES`: first names and the nicknames said for them (Momo for Mohamed, Jojo for Josiane…), data.

The phonetic key (documented here because no maintained library offers a French one for names; jellyfish's
Soundex / Metaphone read English): on the transliterated word,
 1. graphemes read as one sound: sch, sh, tch → ch (written X); dj → j; ph → f; th → t; kh → k; gh → g;
    qu, q, ck, k → k; c before e, i, y → s, else k; gu before e, i → g (hard); g before e, i, y → j;
    ou before a vowel → v (Ouédraogo / Wédraogo), ou → u; w → v; y → i; z → s; x → ks; h → silent;
    gn → n;
 2. doubled letters once; a final e, then a final s, t, x or d after a vowel (Thomas, Petit, Renaud),
    then a final e again, are silent (as in French);
 3. the key is the first sound (any vowel written A) followed by the consonants.
It is a candidate generator, not a verdict: the ranking compares the spellings themselves (rapidfuzz).
"""

import re

from unidecode import unidecode

VOWELS = set("aeiou")


def normalise(*parts):
    """ASCII, lower case, words separated by single spaces."""
    text = unidecode(" ".join(p for p in parts if p))
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return " ".join(text.split())


def words(*parts):
    return normalise(*parts).split()


_RULES = [
    (r"sch|tch|sh|ch", "X"), (r"dj", "j"), (r"ph", "f"), (r"th", "t"), (r"kh", "k"), (r"gh", "g"),
    (r"ck|qu|q|k", "K"), (r"c(?=[eiy])", "s"), (r"c", "K"), (r"gu(?=[ei])", "G"), (r"g(?=[eiy])", "j"),
    (r"ou(?=[aeiy])", "v"), (r"ou", "u"), (r"w", "v"), (r"y", "i"), (r"z", "s"), (r"x", "ks"), (r"h", ""),
    (r"gn", "n"),
]
_COMPILED = [(re.compile(p), r) for p, r in _RULES]


def phonetic(word):
    """The key of one normalised word ("" for a word without letters)."""
    word = re.sub(r"[^a-z]", "", word.lower())
    if not word:
        return ""
    for pattern, repl in _COMPILED:
        word = pattern.sub(repl, word)
    word = word.lower()
    word = re.sub(r"(.)\1+", r"\1", word)
    if len(word) > 2:
        word = re.sub(r"e$", "", word)
        word = re.sub(r"(?<=[aeiou])[stxd]$", "", word)
        word = re.sub(r"e$", "", word)
    if not word:
        return ""
    head = "A" if word[0] in VOWELS else word[0].upper()
    return head + "".join(c for c in word[1:] if c not in VOWELS).upper()


def name_keys(*names):
    """The phonetic keys of the words of these names, and of each multi-word name taken whole."""
    keys = []
    for name in names:
        ws = words(name)
        keys += [phonetic(w) for w in ws]
        if len(ws) > 1:
            keys.append(phonetic("".join(ws)))
    return [k for k in dict.fromkeys(keys) if k]


def name_tokens(first_name, last_name, birth_year=None):
    """The space-separated tokens stored on Person.name_tokens."""
    keys = name_keys(first_name, last_name)
    tokens = list(keys)
    if birth_year:
        tokens += [f"{k}.{birth_year}" for k in keys]
    return " ".join(tokens)


def word_variants(word):
    """The word and, from four letters on, the word with each one of its letters left out."""
    found = [word]
    if len(word) >= 4:
        found += [word[:i] + word[i + 1:] for i in range(len(word))]
    return list(dict.fromkeys(found))


def variants(key):
    """The variants of a normalised name (`normalise`), as aupres_name_variants(name_key) in SQL."""
    ws = key.split()
    found = [v for w in ws for v in word_variants(w)] + [a + b for a, b in zip(ws, ws[1:], strict=False)]
    return sorted(set(found))


def year_tokens(keys, birth_year, spread=1):
    return [f"{k}.{y}" for k in keys for y in range(birth_year - spread, birth_year + spread + 1)]


# Nicknames: a first name (normalised) → the nicknames said for it. Data, to extend.
NICKNAMES = {
    "mohamed": ["momo", "moha", "med", "simo", "hamada"], "abdelkader": ["kader"], "abderrahmane": ["abdou"],
    "abdoulaye": ["abdou", "laye"], "abdelaziz": ["aziz"], "abdallah": ["abdou"], "mamadou": ["madou", "mams"],
    "ibrahim": ["ibra", "brahim"], "ibrahima": ["ibra"], "aboubacar": ["bakar", "abou", "boubacar"],
    "souleymane": ["souley", "jules"], "moussa": ["mouss"], "ousmane": ["ousou"], "mustapha": ["musta"],
    "youssef": ["youss"], "rachid": ["rach"], "fatoumata": ["fatou", "fanta", "tata"], "fatima": ["fatma", "fati"],
    "aminata": ["amina", "mina"], "amina": ["mina"], "khadija": ["khadi", "dija"], "aicha": ["aichou"],
    "mariama": ["mariam"], "salimata": ["sali"], "awa": ["awou"], "oumou": ["oum"],
    "jean baptiste": ["jb"], "jean pierre": ["jp"], "jean claude": ["jc"], "jean michel": ["jm"],
    "jean marc": ["jm"], "jean luc": ["jl"], "joseph": ["jo", "jojo", "jos"], "josiane": ["jojo", "josy"],
    "georges": ["jojo", "geo"], "alexandre": ["alex"], "alexandra": ["alex"], "christophe": ["chris", "cricri"],
    "christine": ["cricri", "chris", "titine"], "nicolas": ["nico"], "dominique": ["dom", "domi"],
    "frederic": ["fred"], "frederique": ["fred"], "sebastien": ["seb", "sebas"], "stephane": ["steph"],
    "stephanie": ["steph", "fanny"], "elisabeth": ["babeth", "lisa", "elise"], "isabelle": ["isa", "babeth"],
    "catherine": ["cathy", "cath"], "patricia": ["pat", "patty"], "patrick": ["pat", "patou"],
    "gerard": ["gege"], "bernard": ["nanard", "bebert"], "robert": ["bob", "bebert"], "albert": ["bebert"],
    "thierry": ["titi"], "christian": ["kiki"], "francois": ["fanfan", "francky"], "daniel": ["dany", "dan"],
    "danielle": ["dany"], "michel": ["mimi", "michou"], "michelle": ["mimi"], "laurent": ["lolo"],
    "laurence": ["lolo"], "guillaume": ["guigui", "will"], "julien": ["juju"], "julie": ["juju"],
    "philippe": ["phil", "fifi"], "jacques": ["jacquot", "jaja"], "emmanuel": ["manu"], "emmanuelle": ["manu"],
    "raphael": ["raph"], "benjamin": ["ben", "benji"], "maxime": ["max"], "valerie": ["val", "valou"],
    "nathalie": ["nath", "nat"], "virginie": ["virgi", "gigi"], "ghislaine": ["gigi"], "veronique": ["vero"],
    "sandrine": ["sandra", "sand"], "chantal": ["chacha"], "brigitte": ["gigi", "bibi"], "camille": ["cam"],
    "gheorghe": ["ghita", "gica"], "constantin": ["costel", "costica"], "vasile": ["vasi"],
    "alexandru": ["sandu", "alex"], "mihai": ["misu"], "ion": ["ionel", "nelu"], "maria": ["mia", "mariuca"],
    "ionut": ["nutu"], "florica": ["flori"], "dragos": ["dragu"],
}
_FIRST_OF = {}
for _first, _nicks in NICKNAMES.items():
    for _nick in _nicks:
        _FIRST_OF.setdefault(_nick, []).append(_first)


def first_names_of_nickname(nickname):
    """The first names (normalised) this nickname is said for ([] if it is none we know)."""
    return list(_FIRST_OF.get(normalise(nickname), []))


def is_nickname_of(nickname, first_name):
    key = normalise(first_name)
    return bool(key) and key in _FIRST_OF.get(normalise(nickname), [])
