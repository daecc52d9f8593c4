-- Store one online-geocoder answer. A concurrent writer that stored the same key first wins:
-- both asked the same question, so either answer will do.
INSERT INTO geocode_cache (
    provider, query_key, query, country_hint, status, answer,
    lat, lon, precision, uncertainty_m, display_name
)
VALUES (
    :provider, :query_key, :query, :country_hint, :status, CAST(:answer AS jsonb),
    :lat, :lon, :precision, :uncertainty_m, :display_name
)
ON CONFLICT (provider, query_key) DO NOTHING
RETURNING id
