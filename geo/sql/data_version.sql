-- The data version (migration 0019): how many changes this snapshot sees. It grows with every
-- committed statement that changed incidents or a reference layer, so responses cached under
-- it, or ETags made from it, change exactly when the data may have.
SELECT count(*) AS version FROM data_changes
