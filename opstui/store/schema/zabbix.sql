-- Zabbix: objects linked to a master task, the scripts and manual items kept with the
-- change, and the record of every push. Zabbix ids are TEXT because the API returns
-- them as strings. Connection settings and secrets never go here.

-- A host, template or trigger whose documentation opstui writes from the task's
-- official instruction. tags is a JSON list of {"tag", "value"} merged into Zabbix's.
CREATE TABLE zabbix_links (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    object_kind TEXT NOT NULL CHECK (object_kind IN ('host', 'template', 'trigger')),
    object_id   TEXT NOT NULL,
    object_name TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    linked_by   TEXT NOT NULL REFERENCES users(login),
    linked_at   TEXT NOT NULL,
    UNIQUE (task_id, object_kind, object_id)
);
CREATE INDEX zabbix_links_task ON zabbix_links(task_id);

-- A global script kept with the change. type, scope and execute_on use Zabbix's
-- numbers (type 0 script, 1 IPMI, 2 SSH, 3 Telnet, 5 webhook, 6 URL; scope 1 action
-- operation, 2 manual host action, 4 manual event action; execute_on 0 agent,
-- 1 server, 2 server or proxy). host_group is a host group name, resolved at push.
CREATE TABLE zabbix_scripts (
    id           INTEGER PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES tasks(id),
    name         TEXT NOT NULL,
    type         INTEGER NOT NULL DEFAULT 0 CHECK (type IN (0, 1, 2, 3, 5, 6)),
    scope        INTEGER NOT NULL DEFAULT 2 CHECK (scope IN (1, 2, 4)),
    execute_on   INTEGER NOT NULL DEFAULT 2 CHECK (execute_on IN (0, 1, 2)),
    command      TEXT NOT NULL,
    menu_path    TEXT NOT NULL DEFAULT '',
    host_group   TEXT NOT NULL DEFAULT '',
    confirmation TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL REFERENCES users(login),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (task_id, name)
);

-- Things the Zabbix API cannot deploy (UserParameter lines, external check and alert
-- script files): the exact text to place on a host, ticked by whoever placed it.
CREATE TABLE zabbix_manual_items (
    id         INTEGER PRIMARY KEY,
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    kind       TEXT NOT NULL CHECK (kind IN ('userparameter', 'external_check', 'alert_script', 'other')),
    target     TEXT NOT NULL,
    body       TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    done_by    TEXT REFERENCES users(login),
    done_at    TEXT,
    created_by TEXT NOT NULL REFERENCES users(login),
    created_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX zabbix_manual_items_task ON zabbix_manual_items(task_id);

-- One push of a task's documentation and scripts to one Zabbix server.
-- outcome: ok (every object succeeded or needed nothing), partial, failed.
CREATE TABLE zabbix_pushes (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES tasks(id),
    pushed_by      TEXT NOT NULL REFERENCES users(login),
    started_at     TEXT NOT NULL,
    finished_at    TEXT NOT NULL,
    zabbix_url     TEXT NOT NULL,
    zabbix_user    TEXT NOT NULL DEFAULT '',
    server_version TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL CHECK (outcome IN ('ok', 'partial', 'failed'))
);
CREATE INDEX zabbix_pushes_task ON zabbix_pushes(task_id, id);

-- Per object of a push: what was sent (JSON parameters) and Zabbix's answer.
-- status: ok, failed, unchanged (nothing to send), missing (gone from Zabbix).
CREATE TABLE zabbix_push_objects (
    id          INTEGER PRIMARY KEY,
    push_id     INTEGER NOT NULL REFERENCES zabbix_pushes(id),
    object_kind TEXT NOT NULL,
    object_key  TEXT NOT NULL,
    object_name TEXT NOT NULL,
    action      TEXT NOT NULL,
    sent        TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'unchanged', 'missing')),
    answer      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX zabbix_push_objects_push ON zabbix_push_objects(push_id);
