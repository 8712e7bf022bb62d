// Versioned schema: migration N takes user_version N to N+1. Never edit a released migration; add one.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- One row per decision and per override. Personal columns (subject, pass_id, code_hash, temp_c) are purged
  -- after retention.days; the summaries are kept.
  CREATE TABLE entries (
    id             INTEGER PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    ts             INTEGER NOT NULL,          -- wall clock, ms
    day            TEXT NOT NULL,             -- local date in site.timezone, YYYY-MM-DD
    clock_trusted  INTEGER NOT NULL,          -- was the wall clock synchronised when this was written
    boot_id        TEXT NOT NULL,
    source         TEXT NOT NULL,             -- scan | override (| exit, issue 16: the exit button)
    direction      TEXT NOT NULL,             -- in | out
    kind           TEXT,                      -- resident | visitor | staff | vehicle
    subject        TEXT,                      -- opaque holder id, never a name
    pass_id        TEXT,
    code_hash      TEXT,                      -- keyed hash of a code that is not a valid pass
    temp_c         REAL,
    rechecked      INTEGER NOT NULL DEFAULT 0,
    decision       TEXT NOT NULL,             -- admit | deny
    reasons        TEXT NOT NULL,             -- JSON array of DESIGN section 3 reasons
    scanner        TEXT,
    staff          TEXT,
    policy_version TEXT NOT NULL,
    detail         TEXT                       -- JSON: readings, flags
  );
  CREATE INDEX entries_ts ON entries(ts);
  CREATE INDEX entries_day ON entries(day, decision);
  CREATE INDEX entries_pass ON entries(pass_id, id);
  CREATE INDEX entries_subject ON entries(subject, ts);

  -- What the uplink still has to send. seq is the lifetime sequence of DESIGN section 7: AUTOINCREMENT never
  -- reuses a value, even after the row is deleted on PUBACK, and a rolled-back insert consumes none.
  CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,          -- CloudEvents id
    topic      TEXT NOT NULL,                 -- below the gate prefix: entry, alert, task, summary/hour, ...
    type       TEXT NOT NULL,                 -- CloudEvents type
    time       TEXT NOT NULL,                 -- RFC 3339
    data       TEXT NOT NULL,                 -- JSON
    created_at INTEGER NOT NULL
  );

  CREATE TABLE isolation (
    subject   TEXT PRIMARY KEY,
    start_day TEXT NOT NULL,
    end_day   TEXT,                           -- inclusive; NULL = until lifted
    note      TEXT
  );

  CREATE TABLE revoked (pass_id TEXT PRIMARY KEY, added_at INTEGER NOT NULL);
  `,
  `
  -- Which summaries were queued: one row per (kind, period), so that each is sent once and a catch-up after
  -- downtime knows where it stopped.
  CREATE TABLE summaries (
    kind         TEXT NOT NULL,               -- hour | day
    period_start INTEGER NOT NULL,            -- wall clock ms of the period's local start
    period       TEXT NOT NULL,               -- 2026-11-23T10 or 2026-11-23 (local)
    event_id     TEXT NOT NULL,
    queued_at    INTEGER NOT NULL,
    PRIMARY KEY (kind, period_start)
  );
  `,
  `
  -- The outbox without UNIQUE on id: with random event ids, every delete after a PUBACK touched a random page of
  -- that index (35 µs a delete against 6 µs without, cloud-bridge/drainBench.ts). Ids stay unique in practice
  -- (UUIDv4; entries.event_id is UNIQUE) and the platform de-duplicates by id anyway.
  CREATE TABLE outbox_new (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL,
    topic      TEXT NOT NULL,
    type       TEXT NOT NULL,
    time       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  INSERT INTO outbox_new (seq, id, topic, type, time, data, created_at)
    SELECT seq, id, topic, type, time, data, created_at FROM outbox;
  -- The lifetime seq survives even when every row was already acknowledged (DESIGN section 7).
  DELETE FROM sqlite_sequence WHERE name = 'outbox_new';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_new', seq FROM sqlite_sequence WHERE name = 'outbox';
  DROP TABLE outbox;
  ALTER TABLE outbox_new RENAME TO outbox;
  `,
  `
  -- Disinfection rounds and duty checks (gateway/schedules): one row per occurrence of a task, raised once even
  -- across a crash (UNIQUE). kind, area and grace are copied from the config of the day, so that a row still reads
  -- right after its task was changed or removed.
  CREATE TABLE task_occurrences (
    id            INTEGER PRIMARY KEY,
    task_id       TEXT NOT NULL,
    due_at        INTEGER NOT NULL,           -- wall clock ms
    day           TEXT NOT NULL,              -- local date of due_at in site.timezone, YYYY-MM-DD
    kind          TEXT NOT NULL,              -- disinfection | duty-check
    area          TEXT NOT NULL,
    grace_minutes INTEGER NOT NULL,
    status        TEXT NOT NULL,              -- due | overdue | missed | done
    raised_at     INTEGER NOT NULL,           -- wall clock ms when the gateway raised it
    done_by       TEXT,
    note          TEXT,
    done_at       INTEGER,
    late          INTEGER,                    -- 1: done after due_at + grace
    UNIQUE (task_id, due_at)
  );
  CREATE INDEX task_occurrences_day ON task_occurrences(day);
  CREATE INDEX task_occurrences_status ON task_occurrences(status, due_at);
  -- The high-water mark: every occurrence up to evaluated_until (wall clock ms) has been raised.
  CREATE TABLE task_evaluation (id INTEGER PRIMARY KEY CHECK (id = 1), evaluated_until INTEGER NOT NULL);
  `,
  `
  -- What staff and technicians did at the kiosk that is not an entry (gateway/kiosk/records.ts): shift logins and
  -- handovers, alarm acknowledgements, device tests. Entries (overrides, visitors) stay in entries.
  CREATE TABLE kiosk_events (
    id       INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    ts       INTEGER NOT NULL,               -- wall clock, ms
    day      TEXT NOT NULL,                  -- local date in site.timezone
    kind     TEXT NOT NULL,                  -- shift_login | shift_handover | fever_acknowledged | isolation_breach_acknowledged | tech_test
    staff    TEXT NOT NULL,                  -- the staff member's or technician's id (never a name or a PIN)
    entry_id TEXT,                           -- the entry an acknowledgement is about
    detail   TEXT                            -- JSON
  );
  CREATE INDEX kiosk_events_kind ON kiosk_events(kind, ts);
  CREATE INDEX kiosk_events_entry ON kiosk_events(entry_id);
  `,
  `
  -- The aggregates outlive the entries (retention.days deletes the personal rows): each queued summary keeps its
  -- data, so that a summary/resend for a purged day sends what was counted, not zeros.
  ALTER TABLE summaries ADD COLUMN data TEXT;
  `,
  `
  -- seqstream (DESIGN section 7): which life of the outbox a seq belongs to. Made once, when the database is made
  -- (or, for a database from before, at this upgrade); kept through a corrupt-database rebuild (recover.ts copies
  -- meta over the new one's), so only a new database (a replaced SD card) starts a new stream at seq 1.
  INSERT OR IGNORE INTO meta (key, value) VALUES ('seqstream', lower(hex(randomblob(16))));
  -- A resent message (summary/resend) is published unretained and marked: it must not replace the retained last
  -- complete hour or day.
  ALTER TABLE outbox ADD COLUMN resend INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- Requests from the platform that were carried out (or attempted): a requestId is carried out at most once. A row
  -- is kept until its request expired (and requestMaxAgeSec after, against a clock stepped back), so a replay is
  -- refused after a restart too (gateway/requests.ts).
  CREATE TABLE seen_requests (
    request_id TEXT PRIMARY KEY,
    command    TEXT NOT NULL,
    expires_at INTEGER NOT NULL,             -- wall clock ms, from the request's expires
    seen_at    INTEGER NOT NULL              -- wall clock ms
  );
  CREATE INDEX seen_requests_expires ON seen_requests(expires_at);
  `,
  `
  -- Every configuration change applied (config/set from the platform, /tech at the kiosk), with its config_changed
  -- alert in the outbox in the same transaction. Values are masked as config/get shows them: never a secret.
  CREATE TABLE config_changes (
    id         INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL,                -- the id of its config_changed alert
    ts         INTEGER NOT NULL,             -- wall clock ms
    via        TEXT NOT NULL,                -- platform | kiosk
    staff      TEXT,                         -- kiosk: the technician's id
    request_id TEXT,                         -- platform: the request's id
    keys       TEXT NOT NULL,                -- JSON array of dotted keys (rules.feverC, schedules)
    old_values TEXT NOT NULL,                -- JSON {key: value}, secrets [REDACTED]
    new_values TEXT NOT NULL
  );
  CREATE INDEX config_changes_ts ON config_changes(ts);
  `,
  `
  -- Who holds the shift at the kiosk (gateway/kiosk/shift.ts): one row while a staff member is on duty, written with
  -- the shift_login and cleared with the shift_handover. Sessions live in memory and end with the process; the shift
  -- and its summary go on across a restart.
  CREATE TABLE kiosk_shift (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    staff TEXT NOT NULL,                     -- the staff member's id (never a name or a PIN)
    since INTEGER NOT NULL                   -- wall clock ms: the start of the shift
  );
  `,
  `
  -- What people did to the gate itself (gateway/gate): a mode set at the kiosk or by a gate/mode request, a staff
  -- reset after a latched fire alarm. Each row goes with its alert in the same transaction; the mode in force is
  -- also kept in meta (gate_mode), so the gate comes back in it after a restart.
  CREATE TABLE gate_events (
    id         INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL,                -- the id of its alert (gate_mode_changed, fire_reset)
    ts         INTEGER NOT NULL,             -- wall clock ms
    kind       TEXT NOT NULL,                -- gate_mode_changed | fire_reset
    via        TEXT NOT NULL,                -- kiosk | platform
    staff      TEXT,                         -- the staff member's or technician's id; platform:{staff} for a request
    request_id TEXT,                         -- platform: the request's id
    detail     TEXT                          -- JSON: mode, previous, reason
  );
  CREATE INDEX gate_events_ts ON gate_events(ts);
  `,
  `
  -- Outbox rows the broker refused (cloud-bridge/drain.ts), moved here whole for a technician, never dropped. The
  -- bridge created it itself before (IF NOT EXISTS: such a database keeps its table and rows). In the migrations so
  -- that a database rebuilt after corruption has it too and the salvage copies its rows.
  CREATE TABLE IF NOT EXISTS outbox_refused (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL,
    topic      TEXT NOT NULL,
    type       TEXT NOT NULL,
    time       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    refused_at INTEGER NOT NULL
  );
  `,
]
