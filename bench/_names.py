"""Realistic synthetic persons for the duplicate benchmarks (issue #21): French, West African, Maghrebi and
Romanian names with their accents, compound first and last names, aliases, birth years and phones, drawn
with a long tail (a few names are very common, most are rare); planted duplicates (a second record of the
same person written otherwise); and the perturbations an intake query suffers, one function per kind.

Deterministic for a seed. No personal data: the lists are common names, the combinations are random."""

import random
import unicodedata

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


def _zipf(rng, items, s=0.8):
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return lambda: rng.choices(items, weights)[0]


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class Generator:
    def __init__(self, seed):
        self.rng = rng = random.Random(seed)
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
            alias = NICKS.get(first) or rng.choice(ALIASES)
        if rng.random() < 0.02:  # known by an alias only
            first, lastn = "", ""
            alias = alias or rng.choice(ALIASES)
        else:
            lastn = self.last_name(code, last)
        year = rng.randrange(1940, 2008) if rng.random() < 0.8 else None
        phone = "06" + "".join(rng.choice("0123456789") for _ in range(8)) if rng.random() < 0.5 else ""
        return {"alias": alias, "first_name": first, "last_name": lastn, "sex": sex, "birth_year": year,
                "phone": phone}

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
            elif kind < 0.7 and d["first_name"] in VARIANTS:
                d["first_name"] = rng.choice(VARIANTS[d["first_name"]])
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
        return d


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
        if p["first_name"] in VARIANTS and p["last_name"] and p["birth_year"]:
            return {"first_name": rng.choice(VARIANTS[p["first_name"]]), "last_name": p["last_name"],
                    "birth_year": p["birth_year"]}

    def translit(p):
        if p["first_name"] in VARIANTS and p["last_name"]:
            return {"first_name": rng.choice(VARIANTS[p["first_name"]]), "last_name": p["last_name"]}

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
        if p["first_name"] in NICKS and p["last_name"] and p["birth_year"]:
            return {"alias": NICKS[p["first_name"]], "last_name": p["last_name"], "birth_year": p["birth_year"]}

    return [("full_typo", full_typo), ("full_typo_year", full_typo_year),
            ("first_last_typo_year", first_last_typo_year), ("last_typo_year", last_typo_year),
            ("last_typo", last_typo), ("phone", phone), ("translit_year", translit_year), ("translit", translit),
            ("swapped_year", swapped_year), ("no_accents_year", no_accents_year),
            ("compound_part_year", compound_part_year), ("nickname_year", nickname_year)]
