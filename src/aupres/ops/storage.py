"""Static files in production: hashed names and compressed copies (WhiteNoise), far-future caching. A file
missing from the manifest falls back to its plain name instead of failing the page."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False
