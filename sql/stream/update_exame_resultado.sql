-- Gives a pending exam its result, re-checking it is still pending and the result not before collection; $1 = id, $2 = resultado (JSON text), $3 = laudo, $4 = data_resultado.
UPDATE hospital.exames
SET resultado = $2::jsonb, laudo = $3, data_resultado = $4
WHERE id = $1 AND resultado IS NULL AND data <= $4
RETURNING id;
