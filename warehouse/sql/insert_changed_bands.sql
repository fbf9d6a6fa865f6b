INSERT INTO signature_bands (article_id, band, bucket)
SELECT article_id, band, bucket FROM band_rows;
