-- One index for every language. The tokenizer keeps letters and digits of any script (the fts
-- default keeps only a-z, which would drop Arabic); strip_accents folds é->e and Arabic hamza
-- forms; the French Snowball stemmer suits the French majority and leaves Arabic words as they are.
PRAGMA create_fts_index(
    'articles', 'article_id', 'title', 'text',
    stemmer = 'french',
    stopwords = 'none',
    ignore = '[^\p{L}\p{N}]+',
    strip_accents = 1,
    lower = 1,
    overwrite = 1
);
