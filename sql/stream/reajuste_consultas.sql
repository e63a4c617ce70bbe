-- Re-prices $2 consecutive appointments (5%) from a random point that leaves room for $2 of them; $1 = fraction in [0, 1).
UPDATE hospital.consultas
SET valor = round(valor * 1.05, 2)
WHERE id IN (
    SELECT id
    FROM hospital.consultas
    WHERE id >= (SELECT min(id) + floor($1 * greatest(0, max(id) - min(id) + 1 - $2))::bigint FROM hospital.consultas)
    ORDER BY id
    LIMIT $2
)
RETURNING id;
