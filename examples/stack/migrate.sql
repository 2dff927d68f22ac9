-- The stack's migration, run by psql once postgres is ready; it can run again.
CREATE TABLE IF NOT EXISTS greeting (id int PRIMARY KEY, text text NOT NULL);
INSERT INTO greeting VALUES (1, 'hello from postgres') ON CONFLICT (id) DO NOTHING;
