-- A query cancel (statement_timeout, pg_cancel_backend, Ctrl-C) stops alimentador_stream() like any
-- statement: the operations run in subtransactions of the caller's statement, so what they did is
-- rolled back with it, and the session can go on.
SELECT sum(linhas) AS before FROM alimentador_counts() \gset
SET statement_timeout = '300ms';
SELECT count(*) FROM alimentador_stream(1000000, semente => 4);
RESET statement_timeout;
SELECT sum(linhas) = :before AS unchanged FROM alimentador_counts();
-- Inside a transaction block the cancel aborts the transaction, as for any statement.
BEGIN;
SET LOCAL statement_timeout = '300ms';
SELECT count(*) FROM alimentador_stream(1000000, semente => 5);
ROLLBACK;
SELECT sum(linhas) = :before AS unchanged FROM alimentador_counts();
-- The session goes on streaming.
SELECT sum(feitas + puladas) AS attempted, sum(falhas) AS failed FROM alimentador_stream(20, semente => 6);
