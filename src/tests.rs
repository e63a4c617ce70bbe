//! Tests against a real PostgreSQL started by `cargo pgrx test` (the library preloaded, no workers).

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    use crate::datagen;

    /// A weight list that runs only `kind`.
    fn only(kind: &str) -> String {
        let zeros: Vec<String> = crate::model::OpKind::ALL
            .iter()
            .map(|k| format!("{}=0", k.name()))
            .collect();
        format!("{},{kind}=1", zeros.join(","))
    }

    fn count(sql: &str) -> i64 {
        Spi::get_one::<i64>(sql).expect("query").expect("a count")
    }

    fn seed(args: &str) {
        Spi::run(&format!("SELECT * FROM alimentador_seed({args})")).expect("seed");
    }

    /// A fingerprint of every generated column (timestamps of insertion excluded).
    fn fingerprint() -> String {
        Spi::get_one::<String>(
            "SELECT md5(string_agg(t, '|')) FROM (
               SELECT (SELECT md5(string_agg(format('%s %s %s %s %s %s %s', id, nome, cpf, nascimento, email, endereco, cep), ',' ORDER BY id)) FROM hospital.pacientes)
               UNION ALL SELECT (SELECT md5(string_agg(format('%s %s %s', id, crm, especialidade), ',' ORDER BY id)) FROM hospital.medicos)
               UNION ALL SELECT (SELECT md5(string_agg(format('%s %s %s %s', paciente_id, convenio_id, numero_carteira, validade), ',' ORDER BY id)) FROM hospital.pacientes_convenios)
               UNION ALL SELECT (SELECT md5(string_agg(format('%s %s %s %s %s %s', protocolo, paciente_id, medico_id, data, status, valor), ',' ORDER BY id)) FROM hospital.consultas)
               UNION ALL SELECT (SELECT md5(string_agg(format('%s %s %s %s %s', paciente_id, tipo_exame, data, resultado, md5(laudo)), ',' ORDER BY id)) FROM hospital.exames)
               UNION ALL SELECT (SELECT md5(string_agg(format('%s %s %s %s', paciente_id, data_entrada, data_saida, quarto), ',' ORDER BY id)) FROM hospital.internacoes)
             ) s(t)",
        )
        .expect("fingerprint")
        .expect("not null")
    }

    #[pg_test]
    fn seed_at_scale_one_gives_the_python_tools_volumes() {
        let rows = Spi::get_one::<i64>(
            "SELECT sum(linhas)::bigint FROM alimentador_seed() WHERE tabela <> 'sinais_vitais'",
        )
        .unwrap()
        .unwrap();
        assert_eq!(rows, 13_400);
        // Vital signs: about every four hours over the last two days, for the admissions in progress.
        let active = count("SELECT count(*) FROM hospital.internacoes WHERE data_saida IS NULL");
        let readings = count("SELECT count(*) FROM hospital.sinais_vitais");
        assert!(
            readings >= active * 5 && readings <= active * 13,
            "{readings} readings for {active} admissions"
        );
        let expected = [
            ("convenios", 12),
            ("pacientes", 2000),
            ("medicos", 200),
            ("pacientes_convenios", 2500),
            ("consultas", 4000),
            ("exames", 3500),
            ("internacoes", 1200),
        ];
        for (table, n) in expected {
            let got = count(&format!(
                "SELECT linhas FROM alimentador_counts() WHERE tabela = '{table}'"
            ));
            assert_eq!(got, n, "{table}");
        }
    }

    #[pg_test]
    fn seeding_keeps_every_index() {
        // The seed creates the partitions of sinais_vitais (and their indexes): not compared.
        let indexes = "SELECT string_agg(indexdef, ';' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'hospital' AND tablename !~ '^sinais_vitais_p'";
        let before = Spi::get_one::<String>(indexes).unwrap();
        // Scale 5 (67,000 rows) builds the secondary indexes after the load.
        Spi::run("SELECT * FROM alimentador_reset(true, 5)").unwrap();
        assert_eq!(Spi::get_one::<String>(indexes).unwrap(), before);
        assert!(before.unwrap().contains("exames_pendentes_idx"));
    }

    #[pg_test(error = "the hospital schema already has data")]
    fn seeding_twice_is_an_error() {
        seed("0.05");
        seed("0.05");
    }

    #[pg_test]
    fn append_adds_rows_without_breaking_keys() {
        seed("0.05");
        seed("0.05, append => true");
        assert_eq!(count("SELECT count(*) FROM hospital.pacientes"), 200);
        assert_eq!(
            count("SELECT count(DISTINCT cpf) FROM hospital.pacientes"),
            200
        );
    }

    #[pg_test(error = "scale must be a number from 0.005 to 1000, got NaN")]
    fn nan_scale_is_rejected() {
        seed("'NaN'");
    }

    #[pg_test]
    fn bad_scales_write_nothing() {
        for bad in ["0", "-1", "'Infinity'", "5000"] {
            let result = PgTryBuilder::new(|| {
                seed(bad);
                true
            })
            .catch_others(|_| false)
            .execute();
            assert!(!result, "scale {bad} accepted");
        }
        assert_eq!(count("SELECT count(*) FROM hospital.pacientes"), 0);
    }

    #[pg_test]
    fn same_seed_same_rows_other_seed_other_rows() {
        // Sequences are not transactional: reset restarts them, so ids match too.
        Spi::run("SELECT * FROM alimentador_reset(true, 0.1, 42)").unwrap();
        let first = fingerprint();
        Spi::run("SELECT * FROM alimentador_reset(true, 0.1, 42)").unwrap();
        assert_eq!(fingerprint(), first);
        Spi::run("SELECT * FROM alimentador_reset(true, 0.1, 43)").unwrap();
        assert_ne!(fingerprint(), first);
    }

    #[pg_test]
    fn reset_empties_restarts_identities_and_keeps_lookup_rows() {
        seed("0.05");
        Spi::run("INSERT INTO hospital.convenios (nome, cnpj, tipo, cobertura) VALUES ('Teste', '11222333000181', 'cooperativa', 'municipal')").unwrap();
        Spi::run("SELECT * FROM alimentador_reset(false)").unwrap();
        assert_eq!(
            count(
                "SELECT sum(linhas)::bigint FROM alimentador_counts() WHERE tabela <> 'convenios'"
            ),
            0
        );
        assert_eq!(count("SELECT count(*) FROM hospital.convenios"), 12);
        seed("0.05");
        assert_eq!(count("SELECT min(id) FROM hospital.pacientes"), 1);
    }

    #[pg_test]
    fn seeded_data_is_consistent_and_realistic() {
        seed("1, 7");
        let orphans = count(
            "SELECT (SELECT count(*) FROM hospital.consultas c WHERE NOT EXISTS (SELECT 1 FROM hospital.pacientes p WHERE p.id = c.paciente_id))
                  + (SELECT count(*) FROM hospital.consultas c WHERE NOT EXISTS (SELECT 1 FROM hospital.medicos m WHERE m.id = c.medico_id))
                  + (SELECT count(*) FROM hospital.exames e WHERE NOT EXISTS (SELECT 1 FROM hospital.pacientes p WHERE p.id = e.paciente_id))
                  + (SELECT count(*) FROM hospital.internacoes i WHERE NOT EXISTS (SELECT 1 FROM hospital.pacientes p WHERE p.id = i.paciente_id))
                  + (SELECT count(*) FROM hospital.pacientes_convenios v WHERE NOT EXISTS (SELECT 1 FROM hospital.pacientes p WHERE p.id = v.paciente_id)
                                                                          OR NOT EXISTS (SELECT 1 FROM hospital.convenios c WHERE c.id = v.convenio_id))",
        );
        assert_eq!(orphans, 0);
        // Lifecycles: nothing realizada/faltou in the future, results after collection, discharges
        // after admission and not in the future.
        assert_eq!(count("SELECT count(*) FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND data > now()"), 0);
        assert_eq!(count("SELECT count(*) FROM hospital.exames WHERE data_resultado < data OR data_resultado > now()"), 0);
        assert_eq!(count("SELECT count(*) FROM hospital.internacoes WHERE data_saida < data_entrada OR data_saida > now()"), 0);
        let active = count("SELECT count(*) FROM hospital.internacoes WHERE data_saida IS NULL");
        assert!(
            (60..=240).contains(&active),
            "{active} of 1200 still admitted"
        );
        let pending = count("SELECT count(*) FROM hospital.exames WHERE resultado IS NULL");
        assert!(pending > 0 && pending < 3500 / 4, "{pending} pending exams");
        assert!(count("SELECT count(*) FROM hospital.consultas WHERE status = 'agendada' AND data > now()") > 0);
        // Long reports exist and are stored out of line (TOAST): their stored size is their length.
        let long = count("SELECT count(*) FROM hospital.exames WHERE length(laudo) > 2500");
        assert!(
            long * 2 >= count("SELECT count(*) FROM hospital.exames WHERE laudo IS NOT NULL"),
            "{long}"
        );
        assert!(count("SELECT count(*) FROM hospital.exames WHERE length(laudo) > 2500 AND pg_column_size(laudo) < length(laudo)") == 0);
        // Documents.
        let cpfs =
            Spi::get_one::<Vec<String>>("SELECT array_agg(cpf::text) FROM hospital.pacientes")
                .unwrap()
                .unwrap();
        assert!(cpfs.iter().all(|c| datagen::is_valid_cpf(c)), "invalid CPF");
        let ufs = Spi::get_one::<Vec<String>>(
            "SELECT array_agg(DISTINCT split_part(crm, '-', 2)) FROM hospital.medicos",
        )
        .unwrap()
        .unwrap();
        assert!(
            ufs.iter().all(|u| datagen::UFS.contains(&u.as_str())),
            "{ufs:?}"
        );
        let cnpjs =
            Spi::get_one::<Vec<String>>("SELECT array_agg(cnpj::text) FROM hospital.convenios")
                .unwrap()
                .unwrap();
        assert!(cnpjs.iter().all(|c| datagen::is_valid_cnpj(c)), "{cnpjs:?}");
    }

    const ADMITTED_TWICE: &str =
        "SELECT count(*) FROM (SELECT paciente_id FROM hospital.internacoes \
         WHERE data_saida IS NULL GROUP BY 1 HAVING count(*) > 1) t";

    #[pg_test]
    fn a_patient_has_at_most_one_active_admission() {
        seed("1, 9");
        assert_eq!(count(ADMITTED_TWICE), 0, "after the seed");
        let overlapping = count(
            "SELECT count(*) FROM hospital.internacoes a JOIN hospital.internacoes b \
             ON a.paciente_id = b.paciente_id AND a.id < b.id \
             AND tstzrange(a.data_entrada, a.data_saida) && tstzrange(b.data_entrada, b.data_saida)",
        );
        assert_eq!(overlapping, 0, "overlapping stays after the seed");
        let failed =
            count("SELECT sum(falhas)::bigint FROM alimentador_stream(5000, semente => 3)");
        assert_eq!(failed, 0);
        let admitted = count(
            "SELECT feitas FROM alimentador_stream(500, 'insert_internacao=50', semente => 4) \
             WHERE operacao = 'insert_internacao'",
        );
        assert!(admitted > 0, "the stream still admits patients");
        assert_eq!(count(ADMITTED_TWICE), 0, "after the stream");
    }

    #[pg_test(
        error = "duplicate key value violates unique constraint \"internacoes_uma_ativa_idx\""
    )]
    fn a_second_active_admission_is_rejected() {
        seed("0.05, 1");
        Spi::run(
            "INSERT INTO hospital.internacoes (paciente_id, data_entrada, motivo, quarto) \
             SELECT paciente_id, now(), 'teste', 'Quarto 1' FROM hospital.internacoes WHERE data_saida IS NULL LIMIT 1",
        )
        .unwrap();
    }

    #[pg_test]
    fn the_seed_records_itself_and_publishes_the_hospital() {
        assert_eq!(
            count("SELECT count(*) FROM pg_publication WHERE pubname = 'alimentador_pub'"),
            0,
            "CREATE EXTENSION makes no publication"
        );
        seed("0.05, 77");
        let (semente, linhas) = Spi::get_two::<i64, i64>(
            "SELECT semente, linhas FROM alimentador_semeadura WHERE semeado_em IS NOT NULL AND NOT anexada",
        )
        .unwrap();
        assert_eq!((semente, linhas), (Some(77), Some(count("SELECT sum(linhas)::bigint FROM alimentador_counts() WHERE tabela <> 'convenios'"))));
        assert_eq!(
            count("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'alimentador_pub' AND schemaname = 'hospital'"),
            // publish_via_partition_root = off: the partitions are published, not their table.
            count("SELECT count(*) FROM pg_tables WHERE schemaname = 'hospital' AND tablename <> 'sinais_vitais'")
        );
    }

    #[pg_test(error = "ops must not be NULL")]
    fn null_ops_is_named() {
        Spi::run("SELECT * FROM alimentador_stream(NULL)").unwrap();
    }

    #[pg_test(error = "scale must not be NULL")]
    fn null_scale_is_named() {
        seed("NULL");
    }

    #[pg_test]
    fn a_role_without_rights_cannot_reset_and_nothing_changes() {
        seed("0.05, 1");
        let before = count("SELECT sum(linhas)::bigint FROM alimentador_counts()");
        Spi::run("CREATE ROLE sem_direitos; GRANT USAGE ON SCHEMA hospital TO sem_direitos")
            .unwrap();
        // In a subtransaction, so that the failed reset (and SET LOCAL ROLE) is rolled back.
        let message = crate::transaction::sub(|| {
            Spi::run("SET LOCAL ROLE sem_direitos; SELECT * FROM alimentador_reset()").unwrap()
        })
        .expect_err("reset refused")
        .message;
        assert!(
            message.starts_with("permission denied to reset the hospital: the role lacks"),
            "{message}"
        );
        assert!(
            message.contains("TRUNCATE on table hospital.consultas"),
            "{message}"
        );
        assert_eq!(
            count("SELECT sum(linhas)::bigint FROM alimentador_counts()"),
            before
        );
    }

    /// The inserts get the id to start from, computed from an id range the stream read up to
    /// 100 ms before: a start past the last patient (they were deleted meanwhile) takes the first.
    #[pg_test]
    fn inserts_starting_past_the_last_patient_take_the_first() {
        use pgrx::datum::{DatumWithOid, TimestampWithTimeZone};
        seed("0.1, 4");
        let first = count("SELECT min(id) FROM hospital.pacientes");
        // The first patient is not in hospital, so that the admission is not a skip.
        Spi::run("UPDATE hospital.internacoes SET data_saida = now() WHERE data_saida IS NULL AND paciente_id = (SELECT min(id) FROM hospital.pacientes)").unwrap();
        let now = Spi::get_one::<TimestampWithTimeZone>("SELECT now()")
            .unwrap()
            .unwrap();
        let past = i64::MAX;
        let inserted = |sql: &str, table: &str, args: &[DatumWithOid]| {
            let id = Spi::get_one_with_args::<i64>(sql, args)
                .unwrap()
                .unwrap_or_else(|| panic!("nothing inserted into {table}"));
            count(&format!(
                "SELECT paciente_id FROM hospital.{table} WHERE id = {id}"
            ))
        };
        let consulta = inserted(
            include_str!("../sql/stream/insert_consulta.sql"),
            "consultas",
            &[
                pgrx::Uuid::from_bytes([7; 16]).into(),
                now.into(),
                "Retorno".into(),
                15000i64.into(),
                past.into(),
                past.into(),
            ],
        );
        let exame = inserted(
            include_str!("../sql/stream/insert_exame.sql"),
            "exames",
            &["Hemograma".into(), now.into(), false.into(), past.into()],
        );
        let internacao = inserted(
            include_str!("../sql/stream/insert_internacao.sql"),
            "internacoes",
            &[
                now.into(),
                "Pneumonia".into(),
                "Enfermaria 101".into(),
                past.into(),
            ],
        );
        assert_eq!((consulta, exame, internacao), (first, first, first));
    }

    /// A discharge updates the row its pick locked by ctid: a TID scan even in a generic plan,
    /// whatever the statistics say (by id, a generic plan made while few admissions were active
    /// scanned the whole one-active-admission index for every discharge).
    #[pg_test]
    fn a_discharge_is_a_tid_scan_in_a_generic_plan() {
        let sql = include_str!("../sql/stream/update_internacao_alta.sql");
        Spi::run("SET LOCAL plan_cache_mode = force_generic_plan").unwrap();
        Spi::run(&format!(
            "PREPARE alta(bigint, timestamptz, tid) AS {}",
            sql.trim_end().trim_end_matches(';')
        ))
        .unwrap();
        let plan = Spi::connect(|client| {
            client
                .select("EXPLAIN EXECUTE alta(1, now(), '(0,1)')", None, &[])?
                .map(|row| row.get::<String>(1).map(Option::unwrap_or_default))
                .collect::<Result<Vec<_>, pgrx::spi::Error>>()
        })
        .unwrap()
        .join("\n");
        Spi::run("DEALLOCATE alta").unwrap();
        assert!(plan.contains("Tid Scan on internacoes"), "{plan}");
    }

    #[pg_test]
    fn the_stream_follows_the_weights_and_counts_what_it_did() {
        seed("0.5, 1");
        let before = count("SELECT count(*) FROM hospital.consultas");
        let (done, admissions_skipped) = Spi::get_two::<i64, i64>(
            "SELECT sum(feitas)::bigint, sum(puladas) FILTER (WHERE operacao = 'insert_internacao')::bigint \
             FROM alimentador_stream(2000, semente => 5)",
        )
        .unwrap();
        let (done, admissions_skipped) = (done.unwrap(), admissions_skipped.unwrap());
        // An admission attempt draws one patient and skips when that patient is in hospital already
        // (sql/stream/insert_internacao.sql): ~400 attempts while the census grows from the seed's
        // 6% to about a third. Nothing else skips in a freshly seeded hospital.
        assert!(
            done + admissions_skipped >= 1950,
            "{done} of 2000 done, {admissions_skipped} admissions skipped"
        );
        assert!(
            admissions_skipped <= 160,
            "{admissions_skipped} admissions skipped"
        );
        let consultas = count("SELECT count(*) FROM hospital.consultas") - before;
        // insert_consulta has weight 30 of 100: 600 expected, ~20 standard deviations apart from 15% or 45%.
        assert!(
            (500..=700).contains(&consultas),
            "{consultas} consultas inserted"
        );
        assert_eq!(count("SELECT count(*) FROM hospital.consultas WHERE status IN ('realizada', 'faltou') AND data > now()"), 0);
    }

    #[pg_test]
    fn every_kind_runs_as_often_as_its_weight_says() {
        seed("0.5, 2");
        let n = 4000.0;
        let rows = Spi::connect(|client| {
            let table = client.select("SELECT operacao, feitas + puladas + falhas FROM alimentador_stream(4000, semente => 8)", None, &[])?;
            table.map(|row| Ok((row.get::<String>(1)?.unwrap(), row.get::<i64>(2)?.unwrap()))).collect::<Result<Vec<_>, pgrx::spi::Error>>()
        })
        .unwrap();
        let weights = crate::weights::Weights::default();
        for kind in crate::model::OpKind::ALL {
            let p = weights.get(*kind) as f64 / weights.total() as f64;
            let drawn = rows
                .iter()
                .find(|(name, _)| name == kind.name())
                .map_or(0, |(_, c)| *c) as f64;
            // Within 5 standard deviations of the binomial mean (0 for kinds with weight 0).
            let sigma = (n * p * (1.0 - p)).sqrt();
            assert!(
                (drawn - n * p).abs() <= 5.0 * sigma,
                "{kind}: drawn {drawn}, expected {}",
                n * p
            );
        }
    }

    #[pg_test]
    fn stream_reports_inserts_that_match_the_rows() {
        seed("0.2, 3");
        let before = count("SELECT count(*) FROM hospital.exames");
        let reported = count("SELECT coalesce(sum(feitas), 0)::bigint FROM alimentador_stream(300, 'insert_exames_lote=10,update_exame=0', 9) WHERE operacao IN ('insert_exame', 'insert_exames_lote')");
        let lots = count(&format!(
            "SELECT coalesce(sum(feitas), 0)::bigint FROM alimentador_stream(1, '{}', 9) WHERE operacao = 'insert_exames_lote'",
            only("insert_exames_lote")
        ));
        assert!(reported > 0 && lots == 1);
        assert!(count("SELECT count(*) FROM hospital.exames") - before >= reported + 25);
    }

    #[pg_test]
    fn deletes_remove_only_eligible_rows() {
        seed("0.2, 4");
        let cancelled = count("SELECT count(*) FROM hospital.consultas WHERE status = 'cancelada'");
        let weights = only("delete_consulta");
        let done = count(&format!(
            "SELECT coalesce(sum(feitas), 0)::bigint FROM alimentador_stream(20, '{weights}')"
        ));
        assert_eq!(done, 20.min(cancelled));
        assert_eq!(
            count("SELECT count(*) FROM hospital.consultas WHERE status = 'cancelada'"),
            cancelled - done
        );
    }

    #[pg_test]
    fn a_failing_operation_is_rolled_back_and_the_stream_goes_on() {
        seed("0.1, 5");
        Spi::run(
            "CREATE FUNCTION pg_temp.recusa() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'recusado'; END $$;
             CREATE TRIGGER recusa BEFORE INSERT ON hospital.internacoes FOR EACH ROW EXECUTE FUNCTION pg_temp.recusa();",
        )
        .unwrap();
        let before = count("SELECT count(*) FROM hospital.internacoes");
        let failed = count("SELECT coalesce(sum(falhas), 0)::bigint FROM alimentador_stream(200, semente => 11) WHERE operacao = 'insert_internacao'");
        let done_others = count(
            "SELECT coalesce(sum(feitas), 0)::bigint FROM alimentador_stream(200, semente => 11)",
        );
        assert!(failed > 10, "{failed}");
        assert!(done_others > 100, "{done_others}");
        assert_eq!(count("SELECT count(*) FROM hospital.internacoes"), before);
    }

    #[pg_test(error = "the hospital has not been seeded")]
    fn stream_before_seed_is_an_error() {
        Spi::run("SELECT * FROM alimentador_stream(10)").unwrap();
    }

    #[pg_test(
        error = "invalid weights: unknown operation \"insert_cosulta\"; known operations: insert_paciente, insert_consulta, insert_exame, insert_internacao, update_paciente, update_consulta, update_exame, update_internacao, delete_consulta, delete_paciente_convenio, delete_exame, update_exame_urgencia, insert_exames_lote, transacao_grande, delete_paciente, insert_paciente_convenio, transacao_longa, bloqueio_de_linhas, ocioso_em_transacao, update_paciente_id, insert_sinal_vital, ddl_nome_social, ddl_teleconsulta, ddl_email_254, ddl_valor_12_2, ddl_check_quarto, ddl_status_confirmada, ddl_prescricoes, insert_prescricao, ddl_rename_telefone_medico, ddl_drop_email_medico"
    )]
    fn stream_rejects_unknown_operations() {
        seed("0.05");
        Spi::run("SELECT * FROM alimentador_stream(10, 'insert_cosulta=3')").unwrap();
    }

    #[pg_test(error = "ops must be from 1 to 10000000, got 0")]
    fn stream_rejects_zero_ops() {
        Spi::run("SELECT * FROM alimentador_stream(0)").unwrap();
    }

    #[pg_test]
    fn run_time_controls_change_the_settings_view() {
        Spi::run("SELECT alimentador_pause(), alimentador_set_rate(50), alimentador_set_weights('deletes')").unwrap();
        let rate =
            Spi::get_one::<String>("SELECT valor FROM alimentador_settings() WHERE nome = 'rate'")
                .unwrap()
                .unwrap();
        assert_eq!(rate, "50");
        let enabled = Spi::get_one::<String>(
            "SELECT valor FROM alimentador_settings() WHERE nome = 'enabled'",
        )
        .unwrap()
        .unwrap();
        assert_eq!(enabled, "false");
        let weights = Spi::get_one::<String>(
            "SELECT valor FROM alimentador_settings() WHERE nome = 'weights'",
        )
        .unwrap()
        .unwrap();
        assert!(weights.contains("delete_consulta=3"), "{weights}");
        Spi::run("SELECT alimentador_resume(), alimentador_set_rate(NULL), alimentador_set_weights(NULL)").unwrap();
        let rate =
            Spi::get_one::<String>("SELECT valor FROM alimentador_settings() WHERE nome = 'rate'")
                .unwrap()
                .unwrap();
        assert_eq!(rate, "0.5");
    }

    /// One list per concept: every setting PostgreSQL knows is in alimentador_settings() and in
    /// settings::SETTINGS with the same description, and every profile is in alimentador_profiles().
    #[pg_test]
    fn every_setting_and_profile_is_in_its_view() {
        let missing = Spi::get_one::<String>(
            "SELECT string_agg(s.name, ', ') FROM pg_catalog.pg_settings s
             WHERE s.name LIKE 'alimentador.%'
               AND NOT EXISTS (SELECT FROM alimentador_settings() a
                               WHERE 'alimentador.' || a.nome = s.name)",
        )
        .unwrap();
        assert_eq!(
            missing, None,
            "settings missing from alimentador_settings()"
        );
        for setting in crate::settings::SETTINGS {
            let name = format!("alimentador.{}", setting.name);
            let described = Spi::get_one::<String>(&format!(
                "SELECT short_desc FROM pg_catalog.pg_settings WHERE name = '{name}'"
            ))
            .unwrap();
            assert_eq!(
                described.as_deref(),
                Some(setting.short),
                "{name} in pg_settings"
            );
            let shown = count(&format!(
                "SELECT count(*) FROM alimentador_settings() WHERE nome = '{}'",
                setting.name
            ));
            assert_eq!(shown, 1, "{name} in alimentador_settings()");
        }
        for name in ["arrivals", "ops_per_transaction", "semente", "role"] {
            let shown = count(&format!(
                "SELECT count(*) FROM alimentador_settings() WHERE nome = '{name}'"
            ));
            assert_eq!(shown, 1, "{name} in alimentador_settings()");
        }
        assert_eq!(
            count("SELECT count(*) FROM alimentador_profiles()"),
            crate::weights::PROFILES.len() as i64
        );
        for profile in crate::weights::PROFILES {
            let described = Spi::get_one::<String>(&format!(
                "SELECT descricao FROM alimentador_profiles() WHERE nome = '{}'",
                profile.name
            ))
            .unwrap();
            assert_eq!(described.as_deref(), Some(profile.description));
            let listed = Spi::get_one::<bool>(&format!(
                "SELECT extra_desc LIKE '%{}%' FROM pg_catalog.pg_settings
                 WHERE name = 'alimentador.weights'",
                profile.name
            ))
            .unwrap();
            assert_eq!(
                listed,
                Some(true),
                "{} in alimentador.weights' description",
                profile.name
            );
        }
    }

    /// Enum settings are spelled as PostgreSQL spells its own (`wal_level` = `logical`).
    #[pg_test]
    fn enum_settings_are_lowercase_like_postgresqls() {
        let enums = count(
            "SELECT count(*) FROM pg_catalog.pg_settings
             WHERE name LIKE 'alimentador.%' AND vartype = 'enum'",
        );
        assert!(
            enums >= 2,
            "alimentador.ledger and alimentador.arrivals are enums"
        );
        let offending = Spi::get_one::<String>(
            "SELECT string_agg(name || ' ' || enumvals::text || ' ' || setting, ', ')
             FROM pg_catalog.pg_settings
             WHERE name LIKE 'alimentador.%' AND vartype = 'enum'
               AND (enumvals::text <> lower(enumvals::text) OR setting <> lower(setting))",
        )
        .unwrap();
        assert_eq!(offending, None);
        let ledger = Spi::get_one::<String>(
            "SELECT enumvals::text FROM pg_catalog.pg_settings WHERE name = 'alimentador.ledger'",
        )
        .unwrap();
        assert_eq!(ledger.as_deref(), Some("{off,counts,keys}"));
        let arrivals = Spi::get_one::<String>(
            "SELECT enumvals::text FROM pg_catalog.pg_settings WHERE name = 'alimentador.arrivals'",
        )
        .unwrap();
        assert_eq!(arrivals.as_deref(), Some("{uniform,poisson}"));
        let shown = Spi::get_one::<String>("SHOW alimentador.ledger").unwrap();
        assert_eq!(shown.as_deref(), Some("counts"));
    }

    #[pg_test(
        error = "invalid rate: a rate is 0 (unlimited) or from 0.001 to 1000000 operations per second, got -1"
    )]
    fn negative_rate_is_rejected() {
        Spi::run("SELECT alimentador_set_rate(-1)").unwrap();
    }

    /// A positive rate below 0.001 would give each worker a share of 0, which means unlimited.
    #[pg_test(
        error = "invalid rate: a rate is 0 (unlimited) or from 0.001 to 1000000 operations per second, got 5e-324: above 0 but below the least rate 0.001"
    )]
    fn near_zero_rate_is_rejected() {
        Spi::run("SELECT alimentador_set_rate(5e-324)").unwrap();
    }

    #[pg_test]
    fn status_lists_no_worker_when_none_is_configured() {
        assert_eq!(count("SELECT count(*) FROM alimentador_status()"), 0);
        assert_eq!(count("SELECT count(*) FROM alimentador_changes()"), 30);
    }

    /// Runs one operation of `kind` through the executor, collecting keys: what it reported.
    fn run_one(
        kind: crate::model::OpKind,
        rng_seed: u64,
    ) -> (Option<crate::model::RowChanges>, crate::model::Keys) {
        let mut executor = crate::executor::Executor::default();
        executor.collect_keys(true);
        let mut rng = datagen::rng_from_seed(rng_seed, 77);
        let outcome =
            Spi::connect_mut(|client| executor.execute(client, &mut rng, kind, chrono::Utc::now()));
        (outcome, executor.take_keys())
    }

    #[pg_test]
    fn a_key_change_moves_the_patient_and_its_rows_and_counts_each_change() {
        use crate::model::{Change, OpKind, Table};
        seed("0.1, 21");
        let totals = || {
            count("SELECT (SELECT count(*) FROM hospital.pacientes) * 1000000 + (SELECT count(*) FROM hospital.consultas) * 1000
                   + (SELECT count(*) FROM hospital.exames) + (SELECT count(*) FROM hospital.internacoes) * 7
                   + (SELECT count(*) FROM hospital.pacientes_convenios) * 13")
        };
        let before = totals();
        let mut children_seen = 0;
        for i in 0..20 {
            let (changes, keys) = run_one(OpKind::UpdatePacienteId, 100 + i);
            let changes = changes.expect("a patient to re-register");
            let (old, new) = (
                keys.get(Table::Pacientes, Change::Delete),
                keys.get(Table::Pacientes, Change::Insert),
            );
            assert_eq!((old.len(), new.len()), (1, 1), "{keys:?}");
            assert!(new[0] > old[0]);
            assert_eq!(changes.get(Table::Pacientes, Change::Delete), 1);
            assert_eq!(changes.get(Table::Pacientes, Change::Insert), 1);
            assert_eq!(changes.get(Table::Pacientes, Change::Update), 0);
            assert_eq!(
                count(&format!(
                    "SELECT count(*) FROM hospital.pacientes WHERE id = {}",
                    old[0]
                )),
                0
            );
            assert_eq!(
                count(&format!(
                    "SELECT count(*) FROM hospital.pacientes WHERE id = {}",
                    new[0]
                )),
                1
            );
            for table in [
                Table::PacientesConvenios,
                Table::Consultas,
                Table::Exames,
                Table::Internacoes,
            ] {
                let followed = count(&format!(
                    "SELECT count(*) FROM hospital.{} WHERE paciente_id = {}",
                    table.name(),
                    new[0]
                ));
                let left = count(&format!(
                    "SELECT count(*) FROM hospital.{} WHERE paciente_id = {}",
                    table.name(),
                    old[0]
                ));
                assert_eq!(left, 0, "{} rows left under the old id", table.name());
                assert_eq!(
                    changes.get(table, Change::Update),
                    followed as u64,
                    "{}",
                    table.name()
                );
                let mut ids: Vec<i64> = keys.get(table, Change::Update).to_vec();
                ids.sort();
                let expected: Vec<i64> = Spi::get_one::<Vec<i64>>(&format!(
                    "SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM hospital.{} WHERE paciente_id = {}",
                    table.name(),
                    new[0]
                ))
                .unwrap()
                .unwrap();
                assert_eq!(ids, expected, "{}", table.name());
                children_seen += followed;
            }
        }
        assert!(children_seen > 20, "the patients had rows: {children_seen}");
        assert_eq!(totals(), before, "no row appears or disappears");
    }

    #[pg_test]
    fn a_reading_lands_in_the_partition_of_its_day_and_missing_partitions_are_created() {
        use crate::model::{Change, OpKind, Table};
        seed("0.1, 22");
        let today = Spi::get_one::<String>(
            "SELECT 'sinais_vitais_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')",
        )
        .unwrap()
        .unwrap();
        let tomorrow = Spi::get_one::<String>(
            "SELECT 'sinais_vitais_p' || to_char((now() AT TIME ZONE 'UTC') + interval '1 day', 'YYYYMMDD')",
        )
        .unwrap()
        .unwrap();
        // The seed made its readings' partitions and the next days'.
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM pg_class WHERE relname = '{tomorrow}'"
            )),
            1
        );
        assert!(count("SELECT count(*) FROM hospital.sinais_vitais") > 0);
        assert_eq!(
            count("SELECT count(*) FROM hospital.sinais_vitais s JOIN hospital.internacoes i ON i.id = s.internacao_id
                   WHERE s.medido_em < i.data_entrada OR s.medido_em > coalesce(i.data_saida, now())"),
            0,
            "readings within their admission"
        );
        Spi::run(&format!("DROP TABLE hospital.{tomorrow}")).unwrap();
        let (changes, keys) = run_one(OpKind::InsertSinalVital, 5);
        assert_eq!(
            changes
                .expect("a reading")
                .get(Table::SinaisVitais, Change::Insert),
            1
        );
        let id = keys.get(Table::SinaisVitais, Change::Insert)[0];
        let partition = Spi::get_one::<String>(&format!(
            "SELECT tableoid::regclass::text FROM hospital.sinais_vitais WHERE id = {id}"
        ))
        .unwrap()
        .unwrap();
        assert_eq!(partition, format!("hospital.{today}"));
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM pg_class WHERE relname = '{tomorrow}' AND relreplident = 'f'"
            )),
            1,
            "the next day's partition is created again, with the table's replica identity"
        );
        assert_eq!(count("SELECT count(*) FROM alimentador_cdc_check() WHERE verificacao = 'partitions' AND ok"), 1);
        assert_eq!(
            count(&format!("SELECT count(*) FROM pg_index WHERE indrelid = 'hospital.{tomorrow}'::regclass AND indisprimary")),
            1,
            "each partition has its primary key"
        );
        Spi::run(&format!("DROP TABLE hospital.{tomorrow}")).unwrap();
        assert_eq!(count("SELECT count(*) FROM alimentador_cdc_check() WHERE verificacao = 'partitions' AND NOT ok"), 1);
        Spi::run(&format!(
            "ALTER TABLE hospital.{today} DROP CONSTRAINT {today}_pkey"
        ))
        .unwrap();
        assert_eq!(count("SELECT count(*) FROM alimentador_cdc_check() WHERE verificacao = 'primary keys' AND NOT ok"), 1);
    }

    #[pg_test]
    fn old_partitions_are_dropped_only_with_a_retention() {
        seed("0.05, 23");
        Spi::run(
            "SELECT alimentador_particoes_vitais(now() - interval '30 days', now() - interval '30 days');
             SELECT alimentador_particoes_vitais(now() - interval '5 days', now() - interval '5 days');
             INSERT INTO hospital.sinais_vitais (internacao_id, medido_em, pulso, pressao_sistolica, pressao_diastolica,
                                                 saturacao_o2, temperatura, frequencia_respiratoria)
             SELECT min(id), now() - interval '30 days', 80, 120, 80, 97, 36.5, 16 FROM hospital.internacoes",
        )
        .unwrap();
        let partitions = || {
            count("SELECT count(*) FROM pg_inherits WHERE inhparent = 'hospital.sinais_vitais'::regclass")
        };
        let before = partitions();
        assert_eq!(
            count("SELECT count(*) FROM alimentador_particoes_vitais()"),
            0,
            "retention 0 keeps all"
        );
        assert_eq!(partitions(), before);
        Spi::run("SET alimentador.vitais_retencao = 7").unwrap();
        let dropped = Spi::get_one::<String>(
            "SELECT string_agg(acao, ',') FROM alimentador_particoes_vitais()",
        )
        .unwrap();
        assert_eq!(dropped.as_deref(), Some("removida"));
        assert_eq!(partitions(), before - 1);
        assert_eq!(
            count("SELECT count(*) FROM hospital.sinais_vitais WHERE medido_em < now() - interval '29 days'"),
            0
        );
        assert_eq!(
            count("SELECT count(*) FROM pg_class WHERE relname = 'sinais_vitais_p' || to_char((now() AT TIME ZONE 'UTC') - interval '5 days', 'YYYYMMDD')"),
            1,
            "a partition within the retention stays"
        );
    }

    #[pg_test(
        error = "-1 is outside the valid range for parameter \"alimentador.vitais_retencao\" (0 .. 3650)"
    )]
    fn a_negative_retention_is_rejected() {
        Spi::run("SET alimentador.vitais_retencao = -1").unwrap();
    }

    #[pg_test]
    fn publish_switches_publish_via_partition_root() {
        seed("0.02, 24");
        let via_root = || {
            Spi::get_one::<bool>(
                "SELECT pubviaroot FROM pg_publication WHERE pubname = 'alimentador_pub'",
            )
            .unwrap()
            .unwrap()
        };
        assert!(!via_root());
        Spi::run("SELECT count(*) FROM alimentador_publish(via_raiz => true)").unwrap();
        assert!(via_root());
        let detail = Spi::get_one::<String>(
            "SELECT detalhe FROM alimentador_cdc_check() WHERE verificacao = 'publish_via_partition_root'",
        )
        .unwrap()
        .unwrap();
        assert!(detail.starts_with("on:"), "{detail}");
        Spi::run("SELECT count(*) FROM alimentador_publish()").unwrap();
        assert!(via_root(), "NULL keeps the setting");
        assert_eq!(count("SELECT count(*) FROM alimentador_publish(via_raiz => false) WHERE tabela = 'sinais_vitais'"), 1);
        assert!(!via_root());
    }

    /// The hospital's catalog as consumers see it (tests/e2e/ddl_catalog.sql).
    fn catalog() -> String {
        Spi::get_one::<String>(include_str!("../tests/e2e/ddl_catalog.sql"))
            .expect("catalog")
            .expect("not null")
    }

    /// (done, skipped, failed) of one operation of `kind` run by alimentador_stream().
    fn run_once(kind: &str) -> (i64, i64, i64) {
        let (done, skipped, failed) = Spi::get_three::<i64, i64, i64>(&format!(
            "SELECT feitas, puladas, falhas FROM alimentador_stream(1, '{}') WHERE operacao = '{kind}'",
            only(kind)
        ))
        .expect("stream");
        (done.unwrap(), skipped.unwrap(), failed.unwrap())
    }

    fn truth(sql: &str) -> bool {
        Spi::get_one::<bool>(sql)
            .expect("query")
            .expect("a boolean")
    }

    /// Each schema change: applied once (done), recorded in the history with an LSN, its effect in
    /// the catalog, a skip the second time; the stream's own statements go on; alimentador_reset()
    /// gives back exactly the catalog of CREATE EXTENSION and an empty history, after which the
    /// changes apply again (a new schema generation).
    #[pg_test]
    fn each_ddl_operation_applies_once_is_recorded_and_reset_restores() {
        seed("0.05, 1");
        let original = catalog();
        let changes = [
            ("ddl_nome_social", "SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'hospital' AND table_name = 'pacientes' AND column_name = 'nome_social' AND is_nullable = 'YES')"),
            ("ddl_teleconsulta", "SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'hospital' AND table_name = 'consultas' AND column_name = 'teleconsulta' AND column_default = 'false' AND is_nullable = 'NO')"),
            ("ddl_email_254", "SELECT character_maximum_length = 254 FROM information_schema.columns WHERE table_schema = 'hospital' AND table_name = 'pacientes' AND column_name = 'email'"),
            ("ddl_valor_12_2", "SELECT (numeric_precision, numeric_scale) = (12, 2) FROM information_schema.columns WHERE table_schema = 'hospital' AND table_name = 'consultas' AND column_name = 'valor'"),
            ("ddl_check_quarto", "SELECT EXISTS (SELECT FROM pg_constraint WHERE conname = 'internacoes_quarto_preenchido')"),
            ("ddl_status_confirmada", "SELECT pg_get_constraintdef(oid) LIKE '%confirmada%' FROM pg_constraint WHERE conname = 'consultas_status_check'"),
            ("ddl_prescricoes", "SELECT EXISTS (SELECT FROM pg_publication_tables WHERE pubname = 'alimentador_pub' AND tablename = 'prescricoes')"),
            ("ddl_rename_telefone_medico", "SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'hospital' AND table_name = 'medicos' AND column_name = 'telefone_consultorio')"),
            ("ddl_drop_email_medico", "SELECT NOT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'hospital' AND table_name = 'medicos' AND column_name = 'email')"),
        ];
        assert_eq!(
            run_once("insert_prescricao"),
            (0, 1, 0),
            "a skip while prescricoes does not exist"
        );
        for _generation in 0..2 {
            for (i, (kind, effect)) in changes.iter().enumerate() {
                assert!(!truth(effect), "{kind} not applied yet");
                assert_eq!(run_once(kind), (1, 0, 0), "{kind} applies");
                assert!(truth(effect), "{kind} changed the schema");
                assert_eq!(
                    count("SELECT count(*) FROM alimentador_schema_history()"),
                    i as i64 + 1
                );
                assert!(
                    truth(
                        "SELECT lsn IS NOT NULL AND lsn <= pg_current_wal_insert_lsn() \
                     AND (comando LIKE 'ALTER TABLE%' OR comando LIKE 'CREATE TABLE%') \
                     FROM alimentador_schema_history() ORDER BY seq DESC LIMIT 1"
                    ),
                    "{kind} is recorded with its statement and LSN"
                );
                assert_eq!(run_once(kind), (0, 1, 0), "{kind} again is a skip");
                assert_eq!(
                    count("SELECT count(*) FROM alimentador_schema_history()"),
                    i as i64 + 1
                );
                // The stream's kept plans go on working after the change.
                let failed = count("SELECT sum(falhas)::bigint FROM alimentador_stream(200, 'deletes,delete_paciente=2,transacao_grande=0', 3)");
                assert_eq!(failed, 0, "no failure after {kind}");
            }
            assert!(truth("SELECT bool_and(a.lsn < b.lsn) FROM alimentador_schema_history() a JOIN alimentador_schema_history() b ON b.seq = a.seq + 1"), "LSNs increase");
            assert_eq!(
                run_once("insert_prescricao"),
                (1, 0, 0),
                "prescriptions are written once the table exists"
            );
            assert!(
                count("SELECT linhas FROM alimentador_counts() WHERE tabela = 'prescricoes'") >= 1
            );
            Spi::run("SELECT count(*) FROM alimentador_reset(true, 0.05, 1)").expect("reset");
            assert_eq!(
                catalog(),
                original,
                "reset restores the catalog of CREATE EXTENSION"
            );
            assert_eq!(
                count("SELECT count(*) FROM alimentador_schema_history()"),
                0
            );
            assert_eq!(
                count("SELECT count(*) FROM alimentador_counts() WHERE tabela = 'prescricoes'"),
                0
            );
        }
    }

    /// The digest covers the original columns: adding a column (and filling it) leaves it unchanged.
    #[pg_test]
    fn digest_leaves_out_added_columns() {
        seed("0.05, 1");
        let digest = || {
            Spi::get_one::<String>("SELECT digest FROM alimentador_digest(ARRAY['pacientes'])")
                .unwrap()
                .unwrap()
        };
        let before = digest();
        assert_eq!(run_once("ddl_nome_social"), (1, 0, 0));
        Spi::run("UPDATE hospital.pacientes SET nome_social = 'Ana' WHERE id % 2 = 0").unwrap();
        assert_eq!(digest(), before);
        Spi::run("UPDATE hospital.pacientes SET nome = nome || 'x' WHERE id = (SELECT min(id) FROM hospital.pacientes)").unwrap();
        assert_ne!(digest(), before, "an original column still counts");
    }

    /// alimentador_cdc_check() reports the new table when it is left out of the publication or its
    /// replica identity differs from the others'.
    #[pg_test]
    fn cdc_check_reports_the_new_table() {
        seed("0.05, 1");
        assert_eq!(run_once("ddl_prescricoes"), (1, 0, 0));
        let ok = |check: &str| {
            Spi::get_one::<bool>(&format!(
                "SELECT ok FROM alimentador_cdc_check() WHERE verificacao = '{check}'"
            ))
            .unwrap()
            .unwrap()
        };
        assert!(ok("publication") && ok("replica identity") && ok("primary keys"));
        Spi::run("ALTER TABLE hospital.prescricoes REPLICA IDENTITY DEFAULT").unwrap();
        assert!(!ok("replica identity"));
        Spi::run("ALTER PUBLICATION alimentador_pub DROP TABLE hospital.prescricoes").unwrap();
        let detail = Spi::get_one::<String>(
            "SELECT detalhe FROM alimentador_cdc_check() WHERE verificacao = 'publication'",
        )
        .unwrap()
        .unwrap();
        assert_eq!(detail, "alimentador_pub lacks prescricoes");
        Spi::run("ALTER TABLE hospital.prescricoes DROP CONSTRAINT prescricoes_pkey").unwrap();
        assert!(!ok("primary keys"));
    }

    /// The jsonb the seed encodes in Rust is byte for byte what jsonb_in makes of the same text:
    /// thousands of generated exam results, and values that exercise the rest of the format (the
    /// offset stride past 32 keys, nesting, numbers with exponents and signs, raw scalars).
    #[pg_test]
    fn jsonb_encoding_is_jsonb_in() {
        use serde_json::{json, Value};
        let jsonb_in = |text: &str| -> Vec<u8> {
            let text = std::ffi::CString::new(text).unwrap();
            // SAFETY: jsonb_in takes a C string and returns a palloc'd varlena with a 4-byte header.
            unsafe {
                let datum = pgrx::direct_function_call_as_datum(
                    pg_sys::jsonb_in,
                    &[Some(pg_sys::Datum::from(text.as_ptr()))],
                )
                .expect("jsonb_in returns a value");
                let ptr = datum.cast_mut_ptr::<u8>();
                let len = (u32::from_le_bytes(*ptr.cast::<[u8; 4]>()) >> 2) as usize;
                std::slice::from_raw_parts(ptr, len).to_vec()
            }
        };
        let mut values: Vec<Value> = Vec::new();
        let mut rng = datagen::rng_from_seed(7, 1);
        let anchor = chrono::Utc::now();
        while values.len() < 3000 {
            values.extend(datagen::seed_exam(&mut rng, anchor).resultado);
        }
        let wide: serde_json::Map<String, Value> = (0..70)
            .map(|i| (format!("k{i}"), json!(i * 37 - 900)))
            .collect();
        values.extend([
            Value::Object(wide),
            json!([1, [2, [3, {"a": []}]], {}, null, true, false, "x"]),
            json!({"n": [0, -0.0, 0.5, -12.25, 1e-7, 1.5e300, 123456789.123, 10000, 99999999]}),
            json!({"ç": "São Paulo — ação", "": "", "aa": {"b": {"c": 1.0}}}),
            json!(42),
            json!("só um texto"),
            json!(null),
            Value::Array((0..40).map(|i| json!(format!("{i}"))).collect()),
        ]);
        for value in &values {
            let mut ours = Vec::new();
            crate::seed::pgjsonb::encode(value, &mut ours);
            assert_eq!(ours, jsonb_in(&value.to_string()), "{value}");
        }
    }

    /// Arrays built in Rust read back as the values put in them, NULLs included.
    #[pg_test]
    fn arrays_built_in_rust_read_back() {
        use crate::seed::pgarray::{ArrayBuilder, Element};
        let as_text = |a: ArrayBuilder| -> String {
            let array = a.finish();
            Spi::get_one_with_args::<String>("SELECT $1::text", &[array.datum()])
                .unwrap()
                .unwrap()
        };
        let mut a = ArrayBuilder::new(Element::Int8, 3);
        a.int8(1);
        a.null();
        a.int8(-3);
        assert_eq!(as_text(a), "{1,NULL,-3}");
        let mut a = ArrayBuilder::new(Element::Text, 3);
        a.text("a b");
        a.opt_text(None);
        a.text("ção");
        for _ in 0..9 {
            a.text("x");
        }
        assert_eq!(as_text(a), "{\"a b\",NULL,ção,x,x,x,x,x,x,x,x,x}");
        let mut a = ArrayBuilder::new(Element::Bool, 2);
        a.bool(true);
        a.bool(false);
        assert_eq!(as_text(a), "{t,f}");
        let mut a = ArrayBuilder::new(Element::Date, 2);
        a.date(chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap());
        a.date(chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert_eq!(as_text(a), "{1999-12-31,2026-02-28}");
        let mut a = ArrayBuilder::new(Element::TimestampTz, 2);
        a.opt_timestamptz(None);
        a.timestamptz(chrono::DateTime::from_timestamp(1_700_000_000, 123_000).unwrap());
        Spi::run("SET LOCAL timezone = 'UTC'").unwrap();
        assert_eq!(as_text(a), "{NULL,\"2023-11-14 22:13:20.000123+00\"}");
        let mut a = ArrayBuilder::new(Element::Uuid, 1);
        a.uuid([0x12; 16]);
        assert_eq!(as_text(a), "{12121212-1212-1212-1212-121212121212}");
        let mut a = ArrayBuilder::new(Element::Jsonb, 2);
        a.jsonb(&serde_json::json!({"b": [1, 2.5], "a": null}));
        a.null();
        assert_eq!(
            as_text(a),
            "{\"{\\\"a\\\": null, \\\"b\\\": [1, 2.5]}\",NULL}"
        );
    }

    /// The settings a seed changes for its load (plan_cache_mode, and session_replication_role for a
    /// superuser) are the caller's again afterwards, in the same transaction.
    #[pg_test]
    fn seed_restores_the_callers_settings() {
        Spi::run("SET LOCAL plan_cache_mode = force_custom_plan").unwrap();
        Spi::run("SET LOCAL session_replication_role = local").unwrap();
        seed("0.05, 1");
        let setting = |name: &str| {
            Spi::get_one::<String>(&format!("SELECT current_setting('{name}')"))
                .unwrap()
                .unwrap()
        };
        assert_eq!(setting("plan_cache_mode"), "force_custom_plan");
        assert_eq!(setting("session_replication_role"), "local");
    }

    /// The connection diagnosis of a worker reads CONNECT from pg_database.datacl as PostgreSQL
    /// checks it when connecting: PUBLIC's default, a revoke, a grant to a role the worker's role
    /// belongs to, the superuser bypass.
    #[pg_test]
    fn connection_diagnosis_reads_the_connect_privilege() {
        use crate::status::ConnectionProblem::{NoConnectPrivilege, RoleMissing};
        use crate::worker::connection_problem;
        let on_database = |sql: &str| {
            Spi::run(&format!(
                "DO $$ BEGIN EXECUTE format('{sql}', current_database()); END $$"
            ))
            .unwrap()
        };
        let database = Spi::get_one::<String>("SELECT current_database()::text")
            .unwrap()
            .unwrap();
        let database = std::ffi::CString::new(database).unwrap();
        let problem = |role: &std::ffi::CStr| connection_problem(&database, Some(role));
        Spi::run("CREATE ROLE diag_worker LOGIN").unwrap();
        Spi::run("CREATE ROLE diag_equipe NOLOGIN").unwrap();
        Spi::run("CREATE ROLE diag_root LOGIN SUPERUSER").unwrap();
        assert_eq!(
            problem(c"diag_worker"),
            None,
            "PUBLIC has CONNECT by default"
        );
        assert_eq!(problem(c"diag_ninguem"), Some(RoleMissing));
        on_database("REVOKE CONNECT ON DATABASE %I FROM PUBLIC");
        assert_eq!(problem(c"diag_worker"), Some(NoConnectPrivilege));
        assert_eq!(problem(c"diag_root"), None, "a superuser needs no CONNECT");
        assert_eq!(
            connection_problem(&database, None),
            None,
            "the bootstrap superuser"
        );
        on_database("GRANT CONNECT ON DATABASE %I TO diag_equipe");
        Spi::run("GRANT diag_equipe TO diag_worker").unwrap();
        assert_eq!(
            problem(c"diag_worker"),
            None,
            "CONNECT through a role it belongs to"
        );
        Spi::run("REVOKE diag_equipe FROM diag_worker").unwrap();
        assert_eq!(problem(c"diag_worker"), Some(NoConnectPrivilege));
        on_database("GRANT CONNECT ON DATABASE %I TO diag_worker");
        assert_eq!(problem(c"diag_worker"), None);
        on_database("GRANT CONNECT ON DATABASE %I TO PUBLIC");
        on_database("REVOKE CONNECT ON DATABASE %I FROM diag_worker, diag_equipe");
        Spi::run("DROP ROLE diag_worker, diag_equipe, diag_root").unwrap();
    }
}
