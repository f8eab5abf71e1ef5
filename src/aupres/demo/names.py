"""Synthetic French-looking names and places for the demo: invented people, never real ones."""

FIRST_NAMES_F = ["Marie", "Fatou", "Aïcha", "Nadia", "Sophie", "Chantal", "Élodie", "Mariana", "Ioana",
                 "Samira", "Awa", "Lucie", "Josiane", "Khadija", "Sandrine", "Leïla", "Amina", "Brigitte",
                 "Camille", "Oumou", "Florica", "Yasmina", "Nathalie", "Mireille", "Inès"]
FIRST_NAMES_M = ["Jean", "Mohamed", "Pierre", "Mamadou", "Karim", "Alain", "Ionut", "Sébastien", "Ibrahim",
                 "Patrick", "Youssef", "Daniel", "Moussa", "Thierry", "Bogdan", "Hamid", "Franck", "Ousmane",
                 "Gérard", "Nicolas", "Abdel", "Vasile", "Didier", "Amadou", "Rachid"]
LAST_NAMES = ["Martin", "Bernard", "Diallo", "Traoré", "Petit", "Durand", "Leroy", "Moreau", "Benali",
              "Popescu", "Haddad", "Fontaine", "Roux", "Camara", "Mercier", "Lambert", "Bonnet", "Keita",
              "Garnier", "Faure", "Rousseau", "Ionescu", "Mansouri", "Chevalier", "Blanc", "Guerin",
              "Boyer", "Cissé", "Gauthier", "Perrin", "Morel", "Henry", "Sow", "Brahimi", "Dumont",
              "Lefèvre", "Marchand", "Kone", "Barbier", "Renaud"]
ALIASES = ["Le Grand", "Pépé", "Titi", "La Brune", "Gigi", "Le Marin", "Jojo", "Mamie", "Coco", "Le Chti",
           "Nounours", "Zizou", "La Rousse", "Le Sage", "Papou"]
LANGUAGES = ["français", "arabe", "roumain", "anglais", "wolof", "bambara", "tigrigna", "dari", "russe",
             "romani", "pular", "géorgien"]
NATIONALITIES = ["française", "roumaine", "algérienne", "marocaine", "malienne", "guinéenne", "ivoirienne",
                 "afghane", "érythréenne", "géorgienne", "sénégalaise", "tunisienne"]
PLACES = ["Lille — gare Lille-Flandres", "Roubaix — campement de l'Union", "Tourcoing — squat rue de Mouvaux",
          "Lille — bois de Boulogne (citadelle)", "Villeneuve-d'Ascq — terrain du Recueil",
          "Lille — Porte des Postes", "Valenciennes — centre-ville", "Arras — gare", "Lens — cité 12",
          "Douai — bord de Scarpe"]
DEPARTEMENTS = [("59", "Nord", ["59350 Lille", "59512 Roubaix", "59599 Tourcoing", "59009 Villeneuve-d'Ascq",
                                "59606 Valenciennes", "59178 Douai"]),
                ("62", "Pas-de-Calais", ["62041 Arras", "62498 Lens", "62160 Boulogne-sur-Mer"])]
