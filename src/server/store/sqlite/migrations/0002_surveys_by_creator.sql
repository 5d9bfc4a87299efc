-- `GET /api/surveys/?creator=me` pages through one user's surveys in id order; without this
-- index every such page scans the whole surveys table. (The rowid is part of every index, so
-- this one is also ordered by id within a creator.)
CREATE INDEX surveys_by_creator ON surveys(creator_id);
