-- update_paciente_id: a patient record is re-registered under a new id (a primary-key change), e.g.
-- after merging a duplicate registration; $1 = the current id, already locked FOR UPDATE and its rows
-- locked too. The foreign keys of pacientes_convenios, consultas, exames and internacoes are ON UPDATE
-- CASCADE, so those rows follow (each one an update of its paciente_id). Returns the new id. A CDC
-- consumer sees the patient's delete under the old key and its create under the new one.
UPDATE hospital.pacientes
SET id = pg_catalog.nextval('hospital.pacientes_id_seq')
WHERE id = $1
RETURNING id;
