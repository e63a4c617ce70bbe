-- Discharges an admission, re-checking it is still active and the discharge not before admission; $1 = id, $2 = data_saida.
UPDATE hospital.internacoes
SET data_saida = $2
WHERE id = $1 AND data_saida IS NULL AND data_entrada <= $2
RETURNING id;
