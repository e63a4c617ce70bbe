-- Bad input gets a clear ERROR and leaves the data as it was.
SELECT sum(linhas) AS before FROM alimentador_counts();
SELECT * FROM alimentador_seed(0);
SELECT * FROM alimentador_seed(-1);
SELECT * FROM alimentador_seed('NaN');
SELECT * FROM alimentador_seed(1e9);
SELECT * FROM alimentador_reset(true, 0);
SELECT * FROM alimentador_stream(0);
SELECT * FROM alimentador_stream(10, 'insert_cosulta=3');
SELECT * FROM alimentador_stream(10, 'insert_consulta=-1');
SELECT * FROM alimentador_stream(10, ops_per_transaction => 0);
SELECT alimentador_set_rate(-5);
SELECT alimentador_set_rate('NaN');
SELECT alimentador_set_weights('nada');
SELECT sum(linhas) AS after FROM alimentador_counts();
-- Settings are checked when set.
ALTER SYSTEM SET alimentador.weights = 'insert_cosulta=3';
ALTER SYSTEM SET alimentador.rate = -1;
ALTER SYSTEM SET alimentador.workers = 99;
ALTER SYSTEM SET alimentador.arrivals = 'gaussian';
ALTER SYSTEM SET alimentador.weights = 'cdc-edge,insert_paciente=0';
ALTER SYSTEM RESET alimentador.weights;
SET alimentador.rate = 3;
