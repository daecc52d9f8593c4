-- Write the groups: :members is a JSON array of {id, event_id, rank, score}.
UPDATE incidents AS i
SET event_id = m.event_id, event_rank = m.rank, event_score = m.score
FROM jsonb_to_recordset(CAST(:members AS jsonb))
     AS m (id uuid, event_id uuid, rank smallint, score real)
WHERE i.id = m.id
