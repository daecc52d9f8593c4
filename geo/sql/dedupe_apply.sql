-- Write the groups: :members is a JSON array of {id, event_id, rank, score, link}.
UPDATE incidents AS i
SET event_id = m.event_id, event_rank = m.rank, event_score = m.score, event_link = m.link
FROM jsonb_to_recordset(CAST(:members AS jsonb))
     AS m (id uuid, event_id uuid, rank smallint, score real, link text)
WHERE i.id = m.id
