"""Realistic synthetic persons for the duplicate benchmarks (issue #21): French, West African, Maghrebi and
Romanian names with their accents, compound first and last names, aliases, birth years and phones, drawn
with a long tail (a few names are very common, most are rare); planted duplicates (a second record of the
same person written otherwise); and the perturbations an intake query suffers, one function per kind.

Deterministic for a seed. No personal data: the lists are common names, the combinations are random."""

import bisect
import datetime
import itertools
import json
import math
import os
import random
import re
import unicodedata
from pathlib import Path

FR_F = ["Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Valérie", "Christine", "Sandrine",
        "Sophie", "Céline", "Véronique", "Chantal", "Brigitte", "Hélène", "Élodie", "Josiane", "Ghislaine", "Léa",
        "Camille", "Manon", "Chloé", "Émilie", "Aurélie", "Mélanie", "Julie", "Laëtitia", "Annick", "Geneviève",
        "Michèle", "Martine", "Monique", "Nicole", "Danielle", "Laurence", "Virginie", "Stéphanie", "Patricia",
        "Élisabeth", "Josette", "Agnès", "Noémie", "Océane", "Maëlle", "Zoé", "Inès", "Clémence", "Bérénice"]
FR_M = ["Jean", "Pierre", "Michel", "André", "Philippe", "Alain", "Bernard", "Patrick", "Christophe", "Nicolas",
        "Daniel", "Frédéric", "Laurent", "Stéphane", "Éric", "Pascal", "Thierry", "Sébastien", "Julien", "David",
        "Gérard", "Dominique", "Jacques", "Didier", "Bruno", "François", "Olivier", "Christian", "Guillaume",
        "Jérôme", "Cédric", "Mickaël", "Grégory", "Raphaël", "Benoît", "Joël", "Hervé", "Noël", "Gaëtan",
        "Jérémy", "Maxime", "Emmanuel", "Robert", "Georges", "Joseph", "Yannick", "Loïc", "Anthony", "Kévin"]
FR_F_COMPOUND = ["Marie-Claire", "Marie-Thérèse", "Anne-Marie", "Marie-Hélène", "Marie-Christine", "Anne-Sophie",
                 "Marie-Josée", "Marie-Laure"]
FR_M_COMPOUND = ["Jean-Pierre", "Jean-Claude", "Jean-Marc", "Jean-Luc", "Jean-François", "Jean-Michel",
                 "Jean-Baptiste", "Pierre-Yves", "Jean-Louis", "Jean-Paul"]
FR_LAST = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
           "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
           "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Müller", "Lefebvre", "Faure",
           "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand",
           "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu",
           "Gautier", "Masson", "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer",
           "Dufour", "Meunier", "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard",
           "Barbier", "Arnaud", "Martínez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin",
           "Vidal", "Caron", "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix",
           "Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq",
           "Delattre", "Vasseur", "Lemaître", "Deschamps", "Hennebelle", "Dhainaut", "Wambre", "Delahaye",
           "Courtois", "Debruyne", "Vandamme", "Desmet", "Lefranc", "Carpentier", "Duhamel", "Lecomte"]
WA_F = ["Fatou", "Aminata", "Mariama", "Aïssatou", "Fatoumata", "Awa", "Kadiatou", "Oumou", "Binta", "Rokia",
        "Hawa", "Djénéba", "Mariam", "Assétou", "Salimata", "Kadidia", "Ramatoulaye", "Adama", "Ndèye", "Coumba",
        "Safiatou", "Maimouna", "Fanta", "Nafissatou", "Dieynaba", "Bintou", "Sokhna", "Astou"]
WA_M = ["Mamadou", "Moussa", "Ousmane", "Ibrahima", "Amadou", "Abdoulaye", "Souleymane", "Boubacar", "Seydou",
        "Issa", "Lamine", "Modibo", "Bakary", "Cheikh", "Alassane", "Idrissa", "Aboubacar", "Sékou", "Youssouf",
        "Moustapha", "Oumar", "Adama", "Daouda", "Samba", "Demba", "Babacar", "Malick", "Ousseynou"]
WA_LAST = ["Diallo", "Traoré", "Camara", "Keïta", "Koné", "Coulibaly", "Diarra", "Touré", "Sylla", "Cissé",
           "Bamba", "Sow", "Barry", "Bah", "Diop", "Ndiaye", "Fall", "Sarr", "Gueye", "Faye", "Sissoko", "Konaté",
           "Kouyaté", "Doumbia", "Sangaré", "Diakité", "Dembélé", "Ouédraogo", "Sawadogo", "Kaboré", "Zongo",
           "Compaoré", "Kouassi", "Konan", "Yao", "Koffi", "N'Diaye", "Mbaye", "Seck", "Thiam", "Ba", "Kane",
           "Dramé", "Fofana", "Soumaré", "Tandia", "Magassa", "Niang", "Diaw", "Sy"]
MA_F = ["Fatima", "Khadija", "Aïcha", "Samira", "Nadia", "Leïla", "Yasmina", "Amina", "Karima", "Malika",
        "Naïma", "Rachida", "Souad", "Houria", "Zohra", "Meriem", "Sonia", "Nawel", "Imane", "Salma", "Siham",
        "Hafsa", "Nour", "Zineb", "Kenza", "Lamia", "Ouarda", "Djamila"]
MA_M = ["Mohamed", "Ahmed", "Karim", "Rachid", "Youssef", "Mustapha", "Abdelkader", "Said", "Hamid", "Ali",
        "Omar", "Khaled", "Nordine", "Farid", "Mehdi", "Bilal", "Hicham", "Abdel", "Brahim", "Ibrahim", "Kamel",
        "Mourad", "Sofiane", "Yacine", "Djamel", "Amine", "Redouane", "Abderrahmane"]
MA_LAST = ["Benali", "Haddad", "Mansouri", "Brahimi", "Belkacem", "Benaissa", "Bouzid", "Cherif", "Hamidi",
           "Meziane", "Saidi", "Khelifi", "Amrani", "El Amrani", "Ben Ali", "Benmohamed", "Boudiaf", "Chaoui",
           "Djebbar", "Ferhat", "Guerfi", "Hadj", "Kaci", "Lounis", "Mebarki", "Nasri", "Ouali", "Rahmani",
           "Slimani", "Tahar", "Yahiaoui", "Zerrouki", "Bensaïd", "El Idrissi", "Alaoui", "Berrada", "Tazi",
           "El Fassi", "Bennani", "Chraïbi", "Ait Ahmed", "Aït Ali", "Ben Youssef", "Larbi", "Messaoudi"]
RO_F = ["Maria", "Elena", "Ioana", "Ana", "Mihaela", "Andreea", "Florica", "Gabriela", "Daniela", "Mariana",
        "Cristina", "Alexandra", "Ștefania", "Mădălina", "Roxana", "Georgiana", "Nicoleta", "Loredana", "Simona",
        "Alina", "Larisa", "Violeta", "Rodica", "Viorica"]
RO_M = ["Ion", "Gheorghe", "Vasile", "Constantin", "Ionuț", "Mihai", "Alexandru", "Nicolae", "Dumitru", "Ștefan",
        "Florin", "Marian", "Adrian", "Cătălin", "Dragoș", "Bogdan", "Cristian", "Răzvan", "Costel", "Sorin",
        "Petru", "Marius", "Viorel", "Gabriel"]
RO_LAST = ["Popescu", "Ionescu", "Popa", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei",
           "Ciobanu", "Rusu", "Munteanu", "Florea", "Constantin", "Moldovan", "Lungu", "Dinu", "Mihai", "Tudor",
           "Ștefan", "Barbu", "Niculescu", "Vasilescu", "Lăzărescu", "Căldăraru", "Șerban", "Țurcanu", "Mureșan",
           "Dobre", "Ene", "Oprea", "Toma", "Neagu", "Zamfir", "Băluță", "Ursu", "Cojocaru", "Rădulescu", "Preda"]

# Syllables of the long tail of last names, per origin (most last names are rare).
SYL = {
    "fr": (["Ber", "Mar", "Du", "Le", "Fon", "Gar", "Ro", "Mo", "Pe", "De", "La", "Ri", "Che", "Bou", "Gui",
            "Ma", "Lo", "Vi", "Da", "Ni", "Char", "Bri", "Cour", "Des", "Hen", "Van", "Wa", "Ca", "Pi", "Tis"],
           ["chard", "tin", "nard", "bois", "roy", "taine", "nier", "reau", "lier", "court", "mont", "val", "ville",
            "gnon", "rand", "lot", "quet", "doux", "ssier", "baud", "lain", "bert", "det", "mbre", "nel", "vet"],
           ["", "", "", "e", "et", "ier", "in", "ot", "ard", "eau", "y", "ez", "ière", "é"]),
    "wa": (["Dia", "Ka", "Ko", "Tra", "Cou", "Sa", "Ba", "Fo", "Ndi", "Ou", "Sa", "Zo", "Kou", "Si", "Dem", "Ma"],
           ["llo", "mara", "né", "oré", "libaly", "wadogo", "doré", "fana", "aye", "mbélé", "ssoko", "kité", "ngaré",
            "bouré", "naté", "gassa", "baly", "raogo", "ssé", "gué"],
           ["", "", "", "", "a", "o", "é", "ou", "i"]),
    "ma": (["Ben", "Bel", "Bou", "Ha", "Me", "Kha", "Sa", "Ra", "Za", "Ta", "Lah", "Ch", "Dj", "Am", "Mes",
            "Ait ", "El "],
           ["kacem", "aissa", "zid", "rif", "midi", "ziane", "lifi", "rani", "diaf", "aoui", "hbi", "bar", "lounis",
            "rki", "sri", "mani", "hiaoui", "rouki", "saoudi", "djema", "nnani", "ddou"],
           ["", "", "", "i", "a", "ine", "ouche"]),
    "ro": (["Pop", "Ion", "Stan", "Dum", "Mun", "Flo", "Mol", "Nic", "Vas", "Lă", "Că", "Șer", "Țur", "Mu",
            "Do", "Ne", "Za", "Bă", "Ur", "Co", "Ră", "Pre"],
           ["escu", "eanu", "oiu", "ache", "ică", "uță", "ariu", "ilă", "oveanu", "ărescu", "ăraru", "ban", "canu",
            "reșan", "bre", "gu", "mfir", "luță", "jocaru", "dulescu"],
           ["", "", "", "", "", "u", "a"]),
}
ORIGINS = [("fr", 0.50, FR_F, FR_M, FR_LAST), ("wa", 0.20, WA_F, WA_M, WA_LAST), ("ma", 0.18, MA_F, MA_M, MA_LAST),
           ("ro", 0.12, RO_F, RO_M, RO_LAST)]
ALIASES = ["Le Grand", "Pépé", "Titi", "La Brune", "Gigi", "Le Marin", "Jojo", "Mamie", "Coco", "Le Chti",
           "Nounours", "Zizou", "La Rousse", "Le Sage", "Papou", "Tonton", "Mimi", "Le Belge", "Bébert", "Lulu"]

# Nationality as teams write it (free text): mostly the adjective, sometimes the country. French people of
# every origin (half of the West African, Maghrebi origin persons of a French service's files are French).
NATIONALITY = {
    "fr": [("française", 0.97), ("belge", 0.02), ("suisse", 0.01)],
    "wa": [("française", 0.3), ("malienne", 0.2), ("sénégalaise", 0.18), ("guinéenne", 0.12), ("ivoirienne", 0.1),
           ("burkinabè", 0.05), ("mauritanienne", 0.05)],
    "ma": [("française", 0.4), ("algérienne", 0.3), ("marocaine", 0.22), ("tunisienne", 0.08)],
    "ro": [("roumaine", 0.85), ("moldave", 0.1), ("bulgare", 0.05)],
}
COUNTRY = {"française": "France", "malienne": "Mali", "sénégalaise": "Sénégal", "guinéenne": "Guinée",
           "algérienne": "Algérie", "marocaine": "Maroc", "tunisienne": "Tunisie", "roumaine": "Roumanie"}
# Share of persons whose records carry a full birth date (their papers were seen), among those whose birth
# year is known: most French persons have an identity card; persons of other origins more often have no
# papers (asylum seekers, undocumented) and a year that was told, not read.
FULL_DATE = {"fr": 0.8, "wa": 0.45, "ma": 0.55, "ro": 0.6}
# Nationality unknown (not asked, not told): as often as the year is.
NO_NATIONALITY = 0.2

# Where a person is followed (D70): the département of the service whose team wrote the record, drawn by a
# share of the persons that social and medico-social services for people in the street and in precarity follow
# there, decided before any measure from INSEE's 2012 survey of homeless people (about 40 % of them in the Paris
# agglomeration) and the large cities' shares of the poor: Île-de-France 40 %, the next metropolises 2-6 %,
# the rest spread over smaller départements. (code, region, share in %): 45 départements, 13 regions.
DEPARTEMENTS = [
    ("75", "11", 14), ("93", "11", 8), ("92", "11", 4), ("94", "11", 4), ("91", "11", 2.5), ("78", "11", 2.5),
    ("95", "11", 3), ("77", "11", 2.5), ("13", "93", 6), ("06", "93", 2.5), ("83", "93", 1.2), ("84", "93", 0.8),
    ("69", "84", 5), ("38", "84", 1.5), ("42", "84", 0.8), ("63", "84", 0.7), ("74", "84", 0.5), ("59", "32", 5),
    ("62", "32", 1.5), ("80", "32", 0.7), ("60", "32", 0.7), ("02", "32", 0.5), ("31", "76", 3), ("34", "76", 2.5),
    ("30", "76", 0.8), ("66", "76", 0.7), ("33", "75", 3), ("87", "75", 0.5), ("86", "75", 0.5), ("64", "75", 0.5),
    ("44", "52", 2), ("49", "52", 0.7), ("72", "52", 0.5), ("67", "44", 2), ("57", "44", 1.5), ("68", "44", 0.8),
    ("51", "44", 0.6), ("54", "44", 0.7), ("35", "53", 1.5), ("29", "53", 0.6), ("56", "53", 0.4), ("76", "28", 1.5),
    ("14", "28", 0.6), ("45", "24", 0.8), ("37", "24", 0.6), ("21", "27", 0.6), ("25", "27", 0.5),
]
# The second record of one person (D70): written by a team of the same département most often (people move
# within a city's services: a day centre, a night shelter, a street team), else of a neighbouring one of the
# same region (Paris and Seine-Saint-Denis), else anywhere (a person who moved to another city).
SAME_DEPARTEMENT, SAME_REGION = 0.75, 0.10

# Transliterations and spellings heard alike (intake query kind "translit").
VARIANTS = {
    "Mohamed": ["Mohammed", "Muhammad", "Mouhamed", "Mohamad"], "Aïcha": ["Aicha", "Aisha", "Aïsha"],
    "Youssef": ["Youcef", "Yusuf", "Yousef"], "Ionuț": ["Ionut"], "Ștefan": ["Stefan", "Ştefan"],
    "Omar": ["Oumar", "Umar"], "Oumar": ["Omar"], "Abdelkader": ["Abdelqader", "Abdel-Kader"],
    "Mustapha": ["Mostafa", "Moustapha"], "Moustapha": ["Mustapha"], "Brahim": ["Ibrahim"],
    "Said": ["Saïd", "Saeed"], "Leïla": ["Leila", "Layla"], "Naïma": ["Naima"], "Khadija": ["Khadidja", "Kadija"],
    "Fatima": ["Fatma", "Fatimah"], "Aïssatou": ["Aissatou", "Aïssata"], "Djénéba": ["Dieneba", "Jeneba"],
    "Sékou": ["Sekou", "Sekkou"], "Ndèye": ["Ndeye"], "Keïta": ["Keita"], "Ouédraogo": ["Wedraogo", "Ouedraogo"],
    "Dragoș": ["Dragos", "Dragosh"], "Mădălina": ["Madalina"], "Răzvan": ["Razvan"], "Cătălin": ["Catalin"],
    "Gheorghe": ["Gheorghie"], "Ahmed": ["Ahmad", "Ahmet"], "Djamel": ["Jamel", "Djamal"], "Hamid": ["Hamed"],
    "Yacine": ["Yassine", "Yasin"], "Nordine": ["Noureddine", "Nourdine"], "Zohra": ["Zahra"],
    "Souleymane": ["Suleiman", "Soulemane"], "Mamadou": ["Mamadu"], "Ousmane": ["Usman", "Osmane"],
}
NICKS = {"Mohamed": "Momo", "Joseph": "Jojo", "Josiane": "Jojo", "Georges": "Jojo", "Christophe": "Chris",
         "Nicolas": "Nico", "Frédéric": "Fred", "Sébastien": "Seb", "Stéphane": "Steph", "Élisabeth": "Babeth",
         "Catherine": "Cathy", "Patricia": "Pat", "Patrick": "Pat", "Gérard": "Gégé", "Thierry": "Titi",
         "Daniel": "Dany", "Michel": "Mimi", "Laurent": "Lolo", "Laurence": "Lolo", "Emmanuel": "Manu",
         "Raphaël": "Raph", "Maxime": "Max", "Virginie": "Virgi", "Ghislaine": "Gigi", "Véronique": "Véro",
         "Fatoumata": "Fatou", "Aminata": "Mina", "Khadija": "Dija", "Ibrahima": "Ibra", "Abdelkader": "Kader",
         "Gheorghe": "Ghiță", "Constantin": "Costel", "Alexandru": "Sandu", "Jean-Baptiste": "JB",
         "Jean-Pierre": "JP", "Jean-Claude": "JC", "Dominique": "Domi", "Bernard": "Nanard", "Robert": "Bébert"}


def _plain_keys(table):
    return {strip_accents(k).lower(): v for k, v in table.items()}


def nick_of(first):
    """The nickname of a first name, accents aside (the ranked lists write Frederic as often as Frédéric)."""
    return NICKS.get(first) or _PLAIN_NICKS.get(strip_accents(first).lower())


def variants_of(first):
    """The transliterations of a first name, accents aside."""
    return VARIANTS.get(first) or _PLAIN_VARIANTS.get(strip_accents(first).lower())


def _zipf(rng, items, s=0.8):
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return lambda: rng.choices(items, weights)[0]


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_PLAIN_NICKS, _PLAIN_VARIANTS = _plain_keys(NICKS), _plain_keys(VARIANTS)


class Generator:
    def __init__(self, seed):
        self.rng = rng = random.Random(seed)
        self.ids = random.Random(seed + 1_000_003)  # birth date and nationality (D68): their own stream
        self.places = random.Random(seed + 2_000_003)  # the département (D70): its own stream too
        self.pick = {}
        for code, _w, female, male, last in ORIGINS:
            self.pick[code] = (_zipf(rng, female), _zipf(rng, male), _zipf(rng, last, 0.9))

    def last_name(self, code, real):
        rng = self.rng
        if rng.random() < 0.45:
            name = real()
        else:
            s1, s2, s3 = SYL[code]
            name = rng.choice(s1) + rng.choice(s2) + rng.choice(s3)
            name = name[0] + name[1:].replace(" ", " ").strip()
        if rng.random() < 0.05:  # compound last name
            other = real() if rng.random() < 0.5 else self.last_name(code, real)
            name = f"{name}{rng.choice([' ', '-'])}{other}"
        return name

    def person(self):
        rng = self.rng
        code = rng.choices([o[0] for o in ORIGINS], [o[1] for o in ORIGINS])[0]
        female, male, last = self.pick[code]
        sex = rng.choice(["female", "male"])
        first = female() if sex == "female" else male()
        if code == "fr" and rng.random() < 0.08:
            first = rng.choice(FR_F_COMPOUND if sex == "female" else FR_M_COMPOUND)
        alias = ""
        if rng.random() < 0.07:
            alias = nick_of(first) or rng.choice(ALIASES)
        if rng.random() < 0.02:  # known by an alias only
            first, lastn = "", ""
            alias = alias or rng.choice(ALIASES)
        else:
            lastn = self.last_name(code, last)
        year = rng.randrange(1940, 2008) if rng.random() < 0.8 else None
        phone = "06" + "".join(rng.choice("0123456789") for _ in range(8)) if rng.random() < 0.5 else ""
        p = {"alias": alias, "first_name": first, "last_name": lastn, "sex": sex, "birth_year": year,
             "phone": phone}
        return self.identity(p, code)

    def identity(self, p, code):
        """Birth date and nationality (D68), drawn from a stream of their own so that the names, years and
        phones stay those of D65's data for a seed. A full date only with a known year (the year told is the
        date's), more often for French persons (papers); nationality from the origin, sometimes unknown."""
        ids = self.ids
        p["birth_date"] = None
        if p["birth_year"] and ids.random() < FULL_DATE[code]:
            p["birth_date"] = datetime.date(p["birth_year"], 1, 1) + datetime.timedelta(days=ids.randrange(365))
        p["nationality"] = ""
        if ids.random() >= NO_NATIONALITY:
            nats, weights = zip(*NATIONALITY[code], strict=True)
            p["nationality"] = ids.choices(nats, weights)[0]
            if ids.random() < 0.1 and p["nationality"] in COUNTRY:  # the country written, not the adjective
                p["nationality"] = COUNTRY[p["nationality"]]
        p["departement"] = self.places.choices(_DEP_CODES, _DEP_WEIGHTS)[0]
        return p

    # Perturbations -----------------------------------------------------------------------------------
    def typo(self, word):
        rng = self.rng
        if len(word) < 4:
            return word
        i = rng.randrange(1, len(word) - 1)
        kind = rng.random()
        if kind < 0.35:
            return word[:i] + rng.choice("aeioubcdlmnrst") + word[i + 1:]
        if kind < 0.65:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if kind < 0.85:
            return word[:i] + word[i + 1:]
        return word[:i] + rng.choice("aeilnrst") + word[i:]

    def duplicate(self, p):
        """A second record of the same person, as another team would have written it."""
        rng = self.rng
        d = dict(p)
        for _ in range(rng.choice([1, 1, 2])):
            kind = rng.random()
            if kind < 0.3 and d["last_name"]:
                d["last_name"] = self.typo(d["last_name"])
            elif kind < 0.45 and d["first_name"]:
                d["first_name"] = self.typo(d["first_name"])
            elif kind < 0.6:
                d["first_name"], d["last_name"] = strip_accents(d["first_name"]), strip_accents(d["last_name"])
            elif kind < 0.7 and variants_of(d["first_name"]):
                d["first_name"] = rng.choice(variants_of(d["first_name"]))
            elif kind < 0.78 and d["first_name"] and d["last_name"]:
                d["first_name"], d["last_name"] = d["last_name"], d["first_name"]
            elif kind < 0.86 and ("-" in d["first_name"] or " " in d["last_name"].strip()):
                d["first_name"] = d["first_name"].split("-")[0]
                d["last_name"] = d["last_name"].replace("-", " ").split(" ")[0]
            elif kind < 0.93 and d["birth_year"]:
                d["birth_year"] += rng.choice([-1, 1])
        if rng.random() < 0.3:
            d["birth_year"] = None  # the other team did not know it
        if rng.random() < 0.5:
            d["phone"] = ""
        if rng.random() < 0.2 and p["phone"] == "":
            d["phone"] = "06" + "".join(rng.choice("0123456789") for _ in range(8))
        return self.duplicate_identity(p, d)

    def duplicate_identity(self, p, d):
        """The second team's birth date and nationality (D68). A team that read the papers writes the date
        as the first did, or one digit off, or day and month swapped (a foreign or hand-written date read the
        other way); a team that did not see them writes the year only; a person without papers at the first
        record may have them at the second. The year stays the date's (Person.save sets it so); when the
        other fields changed the year (one off, unknown), the date follows. Nationality: the same most often,
        unknown to one team, sometimes another (binational, naturalised, the country of transit)."""
        ids = self.ids
        date = p.get("birth_date")
        if d["birth_year"] is None:
            date = None
        elif date is not None:
            roll = ids.random()
            if roll < 0.25:
                date = None  # year only: papers not seen by the second team
            elif roll < 0.32:  # read the other way: only a date whose day could be a month
                if date.day <= 12:
                    date = date.replace(month=date.day, day=date.month)
            elif roll < 0.4:
                date = _digit_off(date, ids)
            if date is not None and d["birth_year"] != p["birth_year"]:
                date = _with_year(date, d["birth_year"])  # the year one off is the date's year one off
        elif ids.random() < 0.15:  # papers obtained since the first record
            date = datetime.date(d["birth_year"], 1, 1) + datetime.timedelta(days=ids.randrange(365))
        d["birth_date"] = date
        if date is not None:
            d["birth_year"] = date.year
        nat = p.get("nationality", "")
        roll = ids.random()
        if nat and roll < 0.2:
            nat = ""
        elif roll < 0.25:
            nat = ids.choice(["française", "malienne", "algérienne", "marocaine", "roumaine", "guinéenne"])
        elif not nat and roll < 0.4:
            nat = "française"
        d["nationality"] = nat
        roll = self.places.random()
        if roll >= SAME_DEPARTEMENT + SAME_REGION:
            d["departement"] = self.places.choices(_DEP_CODES, _DEP_WEIGHTS)[0]
        elif roll >= SAME_DEPARTEMENT:
            region = _REGION_OF[p["departement"]]
            near = [c for c, r, _w in DEPARTEMENTS if r == region and c != p["departement"]]
            d["departement"] = self.places.choice(near) if near else p["departement"]
        return d


_DEP_CODES = [c for c, _r, _w in DEPARTEMENTS]
_DEP_WEIGHTS = [w for _c, _r, w in DEPARTEMENTS]
_REGION_OF = {c: r for c, r, _w in DEPARTEMENTS}


def _with_year(date, year):
    return date.replace(year=year, day=min(date.day, 28)) if date.month == 2 else date.replace(year=year)


def _digit_off(date, rng):
    """The date with one digit of DDMMYYYY written otherwise, kept a valid date (else the day's last digit)."""
    text = date.strftime("%d%m%Y")
    for _ in range(10):
        i = rng.randrange(8)
        new = text[:i] + rng.choice([c for c in "0123456789" if c != text[i]]) + text[i + 1:]
        try:
            out = datetime.datetime.strptime(new, "%d%m%Y").date()  # noqa: DTZ007 — a date, no time zone
        except ValueError:
            continue
        if 1930 <= out.year <= 2010:
            return out
    return date.replace(day=date.day % 28 + 1)


def _compound_part(name, rng):
    parts = name.replace("-", " ").split()
    return rng.choice(parts) if len(parts) > 1 else None


# Query kinds: (name, needs, builder). A builder returns the query or None when the row does not fit.
def query_kinds(g):
    rng = g.rng

    def full_typo(p):
        if p["first_name"] and p["last_name"]:
            return {"first_name": g.typo(p["first_name"]), "last_name": g.typo(p["last_name"])}

    def full_typo_year(p):
        if p["first_name"] and p["last_name"] and p["birth_year"]:
            return {"first_name": g.typo(p["first_name"]), "last_name": g.typo(p["last_name"]),
                    "birth_year": p["birth_year"]}

    def first_last_typo_year(p):  # the fourth kind: first name right, last name misspelt, year
        if p["first_name"] and p["last_name"] and p["birth_year"]:
            return {"first_name": p["first_name"], "last_name": g.typo(p["last_name"]),
                    "birth_year": p["birth_year"]}

    def last_typo_year(p):
        if p["last_name"] and p["birth_year"]:
            return {"last_name": g.typo(p["last_name"]), "birth_year": p["birth_year"]}

    def last_typo(p):
        if p["last_name"]:
            return {"last_name": g.typo(p["last_name"])}

    def phone(p):
        if p["phone"]:
            return {"phone": f"+33 {p['phone'][1]} {p['phone'][2:4]} {p['phone'][4:6]} {p['phone'][6:8]} "
                             f"{p['phone'][8:]}"}

    def translit_year(p):
        if variants_of(p["first_name"]) and p["last_name"] and p["birth_year"]:
            return {"first_name": rng.choice(variants_of(p["first_name"])), "last_name": p["last_name"],
                    "birth_year": p["birth_year"]}

    def translit(p):
        if variants_of(p["first_name"]) and p["last_name"]:
            return {"first_name": rng.choice(variants_of(p["first_name"])), "last_name": p["last_name"]}

    def swapped_year(p):
        if p["first_name"] and p["last_name"] and p["birth_year"]:
            return {"first_name": p["last_name"], "last_name": p["first_name"], "birth_year": p["birth_year"]}

    def no_accents_year(p):
        plain = strip_accents(p["first_name"] + p["last_name"])
        if p["first_name"] and p["last_name"] and p["birth_year"] and plain != p["first_name"] + p["last_name"]:
            return {"first_name": strip_accents(p["first_name"]).upper(),
                    "last_name": strip_accents(p["last_name"]).upper(), "birth_year": p["birth_year"]}

    def compound_part_year(p):
        if not (p["first_name"] and p["last_name"] and p["birth_year"]):
            return None
        first, last = _compound_part(p["first_name"], rng), _compound_part(p["last_name"], rng)
        if not (first or last):
            return None
        return {"first_name": first or p["first_name"], "last_name": last or p["last_name"],
                "birth_year": p["birth_year"]}

    def nickname_year(p):
        if nick_of(p["first_name"]) and p["last_name"] and p["birth_year"]:
            return {"alias": nick_of(p["first_name"]), "last_name": p["last_name"], "birth_year": p["birth_year"]}

    return [("full_typo", full_typo), ("full_typo_year", full_typo_year),
            ("first_last_typo_year", first_last_typo_year), ("last_typo_year", last_typo_year),
            ("last_typo", last_typo), ("phone", phone), ("translit_year", translit_year), ("translit", translit),
            ("swapped_year", swapped_year), ("no_accents_year", no_accents_year),
            ("compound_part_year", compound_part_year), ("nickname_year", nickname_year)]


# A realistic name distribution (D65) ------------------------------------------------------------------------
# The generator above draws among ~30 first names per origin and ~250 real last names plus ~20 000 syllable
# combinations: at 1 M persons a third of the full names are borne by more than 10 persons, far more than in
# life. This one draws first and last names from the ranked lists of names-dataset (pip extra "bench"; names
# per country with their rank, from a large public sample of accounts), with a rank-frequency law fitted to
# French surnames (INSEE births 1891–1990: Martin ≈ 0.3 % of people, rank 10 ≈ 0.13 %, rank 100 ≈ 0.045 %,
# rank 1 000 ≈ 0.009 %, rank 10 000 ≈ 0.001 %, about 1.3 M distinct surnames): Zipf–Mandelbrot
# p(r) ∝ (r + 15)^-0.9 over 1.3 M ranks. Ranks past a country's list (~20 000 names) are the long tail of
# rare surnames that no list holds: each such rank is one made-up name, spliced from two real names of the
# origin (the same rank always gives the same name, so the law holds). First names follow the same law with
# a steeper head (p(r) ∝ (r + 3)^-1 over the list: the commonest ≈ 3 % of one sex, as Marie or Jean).

LAST_LAW = (0.9, 15, 1_300_000)  # exponent, offset, distinct ranks
FIRST_LAW = (1.0, 3)
# The countries whose lists make each origin (names-dataset has no Senegal, Mali nor Côte d'Ivoire, nor
# Romania: Burkina Faso and the hand-written lists above for West Africa, Moldova for Romanian names).
ORIGIN_COUNTRIES = {"fr": ["FR"], "wa": ["BF"], "ma": ["MA", "DZ", "TN"], "ro": ["MD"]}
# Visible noise in the lists' top ranks (clubs, cities, abbreviations written in the last-name field).
NOISE = {"Madrid", "Milano", "Oran", "Mosta", "Tlm", "Mca", "Wac", "Kech", "Est", "Ess", "Ell", "Med", "Moh",
         "Dz", "Ch", "Ca", "Simo", "Fati", "Abdo", "Abdou", "Amouna", "Nina", "Sousou", "Fifi", "Mimi", "Dali",
         "Junior", "Tizi Ouzou", "Rajawi", "Ben", "El", "Abd", "Ait", "Aït", "Ould", "Bin"}
CACHE = Path(os.environ.get("AUPRES_BENCH_CACHE", Path.home() / ".cache" / "aupres-bench")) / \
    "names-dataset-3.3.1-lists.json"


def _latin_name(name):
    """A name written in Latin letters, capitalised (drops other scripts, initials, all-capitals)."""
    words = re.split(r"[ '\-’]", name)
    if not all(w and w[0].isupper() and (len(w) == 1 or w[1:].islower()) for w in words):
        return False
    return all(not c.isalpha() or unicodedata.name(c, "").startswith("LATIN") for c in name)


def _ranked(table, countries, sex=None, keep=lambda name: True):
    """Names of `table` ranked in any of `countries`, best (lowest) rank first; by sex when given (the dataset's
    share of that sex ≥ 0.8)."""
    found = {}
    for name, attrs in table.items():
        ranks = [attrs["rank"][c] for c in countries if c in attrs["rank"]]
        if not ranks or name in NOISE or not _latin_name(name) or not keep(name):
            continue
        if sex and attrs["gender"].get(sex, 0) < 0.8:
            continue
        found[name] = min(ranks)
    return sorted(found, key=lambda n: (found[n], n))


def dataset_lists():
    """{origin: {"F": [...], "M": [...], "last": [...]}}, ranked; read from names-dataset once, then cached."""
    if CACHE.exists():
        return json.loads(CACHE.read_text())
    try:
        from names_dataset import NameDataset
    except ImportError as e:
        raise SystemExit('names-dataset is missing: .venv/bin/pip install -e ".[bench]" (or --names old)') from e

    nd = NameDataset()
    heads = {"wa": (WA_F, WA_M, WA_LAST), "ro": (RO_F, RO_M, RO_LAST)}
    lists = {}
    for code, countries in ORIGIN_COUNTRIES.items():
        firsts = set(_ranked(nd.first_names, countries)[:300])
        lasts = set(_ranked(nd.last_names, countries)[:100])
        # Outside France, a top first name given as a last name (Mohamed, Ion) is mostly the field misused,
        # and a top last name given as a first name (Ouedraogo) too.
        fr = code == "fr"
        last = _ranked(nd.last_names, countries, keep=lambda n, f=firsts, fr=fr: fr or n not in f)
        last = [n for n in last if " " in n or "-" in n or len(n) >= 3]
        female = _ranked(nd.first_names, countries, "F", keep=lambda n, s=lasts, fr=fr: fr or n not in s)
        male = _ranked(nd.first_names, countries, "M", keep=lambda n, s=lasts, fr=fr: fr or n not in s)
        if code in heads:  # the hand-written common names of the origin first, then the neighbour's list
            hf, hm, hl = heads[code]
            female, male, last = [list(dict.fromkeys([*h, *x])) for h, x in ((hf, female), (hm, male), (hl, last))]
        lists[code] = {"F": female, "M": male, "last": last}
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(lists, ensure_ascii=False))
    return lists


class _Law:
    """Draws a rank from p(r) ∝ (r + q)^-s, r = 1..n: the listed head by its cumulative weights, ranks past
    the list (up to `n`) by the continuous inverse of the tail's law."""

    def __init__(self, rng, listed, s, q, n=None):
        self.rng, self.listed, self.s, self.q = rng, listed, s, q
        self.cum = list(itertools.accumulate((r + q) ** -s for r in range(1, listed + 1)))
        n = n or listed
        self.lo, self.hi = listed + 0.5 + q, n + 0.5 + q
        self.tail = self._integral(self.lo, self.hi) if n > listed else 0.0

    def _integral(self, a, b):
        return math.log(b / a) if self.s == 1 else (b ** (1 - self.s) - a ** (1 - self.s)) / (1 - self.s)

    def rank(self):
        u = self.rng.random() * (self.cum[-1] + self.tail)
        if u < self.cum[-1]:
            return bisect.bisect_right(self.cum, u) + 1
        u -= self.cum[-1]
        if self.s == 1:
            x = self.lo * math.exp(u)
        else:
            x = (self.lo ** (1 - self.s) + u * (1 - self.s)) ** (1 / (1 - self.s))
        return int(x - self.q + 0.5)


class RealisticGenerator(Generator):
    """Same persons, duplicates and perturbations as Generator, first and last names drawn by rank (D65)."""

    def __init__(self, seed):
        self.rng = rng = random.Random(seed)
        self.ids = random.Random(seed + 1_000_003)
        self.places = random.Random(seed + 2_000_003)
        self.lists = dataset_lists()
        self.tail_names = {}
        self.pick = {}
        for code, *_ in ORIGINS:
            lists = self.lists[code]
            female, male = (_Law(rng, len(lists[s]), *FIRST_LAW) for s in ("F", "M"))
            last = _Law(rng, len(lists["last"]), *LAST_LAW)
            self.pick[code] = (lambda c=code, law=female: self.lists[c]["F"][law.rank() - 1],
                               lambda c=code, law=male: self.lists[c]["M"][law.rank() - 1],
                               lambda c=code, law=last: self._last_by_rank(c, law.rank()))

    def _last_by_rank(self, code, rank):
        listed = self.lists[code]["last"]
        if rank <= len(listed):
            return listed[rank - 1]
        key = (code, rank)
        if key not in self.tail_names:  # a rare surname: the start of one real name, the end of another
            r = random.Random(rank * 7 + len(code) + ord(code[0]))
            a, b = r.choice(listed), r.choice(listed)
            a, b = a.replace(" ", "").replace("-", ""), b.replace(" ", "").replace("-", "").lower()
            # Bou|rrain + Vi|gouroux → Bougouroux: the first syllable of one, the rest of the other.
            head = re.match(r".[^aeiouyàâäéèêëîïôöûüăâî]*[aeiouyàâäéèêëîïôöûüăâî]+", a, re.IGNORECASE)
            rest = re.search(r"(?<=[aeiouyàâäéèêëîïôöûüăâî])[^aeiouyàâäéèêëîïôöûüăâî].+", b[1:])
            name = (head.group() if head else a[:2]) + (rest.group() if rest else b[len(b) // 2:])
            self.tail_names[key] = re.sub(r"(.)\1\1+", r"\1\1", name)
        return self.tail_names[key]

    def last_name(self, code, real):
        name = real()
        if self.rng.random() < 0.05:  # compound last name
            name = f"{name}{self.rng.choice([' ', '-'])}{real()}"
        return name


def make_generator(kind, seed):
    """`old`: the ~30 first names and ~250 last names per origin with syllable combinations; `real`: D65."""
    return RealisticGenerator(seed) if kind == "real" else Generator(seed)


def planted(kind, seed, persons, dup_share):
    """The benchmark's records: `persons` generated persons, then a second record, written otherwise, of a share
    of them drawn with `seed + 1` (the sweep's ground truth). Returns (rows, [(original index, duplicate index)])."""
    g = make_generator(kind, seed)
    rows = [g.person() for _i in range(persons)]
    pairs = []
    for orig in random.Random(seed + 1).sample(range(persons), int(persons * dup_share)):
        pairs.append((orig, len(rows)))
        rows.append(g.duplicate(rows[orig]))
    return rows, pairs
