import unicodedata


def search_key(*parts):
    """Lower-case, accent-free text for portable `contains` search (é, É and e match alike)."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("-", " ").replace("'", " ").split())
