-- A group's region (quality_regions), joined to a group g of quality_groups: its boxes, and
-- whether its one box covers every point of the group (the group's extent inside the box's
-- edges; NULL with several boxes, where every point is tested). Included by
-- quality_undecided_groups.sql and quality_decide.sql, so both judge a group by the same rule.
LEFT JOIN LATERAL (
    SELECT r.boxes,
           r.x0 <= g.x0 AND g.x1 <= r.x1 AND r.y0 <= g.y0 AND g.y1 <= r.y1
               AS covers
    FROM quality_regions r WHERE r.region_text = g.region_text
) r ON true
