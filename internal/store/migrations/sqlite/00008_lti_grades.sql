-- LTI Advantage services (issue 12 §3): what a launch says about grade
-- passback (AGS) for an assignment item and about the roster (NRPS) of a
-- course, and the durable outbox of scores on their way to the LMS.
-- Keep postgres/00008_lti_grades.sql in step.

-- +goose Up
-- The OAuth2 audience of a platform's token endpoint, for platforms whose
-- client assertions must name an authorization server other than the
-- token URL (some D2L Brightspace set-ups); '' means the token URL.
ALTER TABLE lti_platforms ADD COLUMN token_audience TEXT NOT NULL DEFAULT '';

-- The LMS line item an assignment item's scores go to, from the latest
-- launch of the item (the AGS endpoint claim), and the instructor's send
-- policy. lineitem_url is the launch's line item, or the one Stride found
-- or created in lineitems_url; '' until known.
CREATE TABLE lti_item_links (
    item_id          INTEGER PRIMARY KEY REFERENCES assignment_items (id) ON DELETE CASCADE,
    platform_id      INTEGER REFERENCES lti_platforms (id) ON DELETE CASCADE,
    resource_link_id TEXT NOT NULL DEFAULT '',
    lineitem_url     TEXT NOT NULL DEFAULT '',
    lineitems_url    TEXT NOT NULL DEFAULT '',
    -- The AGS scopes the platform offered, space-separated.
    scopes           TEXT NOT NULL DEFAULT '',
    -- 'improvement': send after every check that changes the score;
    -- 'completion': send only once the learner has finished the item.
    grade_policy     TEXT NOT NULL DEFAULT 'improvement' CHECK (grade_policy IN ('improvement', 'completion')),
    updated_at       INTEGER NOT NULL
);

-- The Names and Role Provisioning service of a course's LMS context.
CREATE TABLE lti_course_services (
    course_id       INTEGER PRIMARY KEY REFERENCES courses (id) ON DELETE CASCADE,
    platform_id     INTEGER NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    memberships_url TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- One row per learner and item: the latest score to send. A new score
-- replaces a pending one (coalescing); a worker claims due rows with a
-- lease (lease_until), so replicas never send the same row at once;
-- version changes with every new score, so a send that raced a newer
-- score leaves the row pending.
CREATE TABLE lti_score_outbox (
    id                INTEGER PRIMARY KEY,
    learner_id        INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    item_id           INTEGER NOT NULL REFERENCES assignment_items (id) ON DELETE CASCADE,
    platform_id       INTEGER NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL,
    score_given       REAL NOT NULL,
    score_maximum     REAL NOT NULL,
    activity_progress TEXT NOT NULL,
    grading_progress  TEXT NOT NULL,
    score_at          INTEGER NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    version           INTEGER NOT NULL DEFAULT 1,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_at           INTEGER NOT NULL,
    lease_owner       TEXT NOT NULL DEFAULT '',
    lease_until       INTEGER NOT NULL DEFAULT 0,
    last_attempt_at   INTEGER,
    last_error        TEXT NOT NULL DEFAULT '',
    sent_at           INTEGER,
    sent_score        REAL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (learner_id, item_id)
);
CREATE INDEX lti_score_outbox_due ON lti_score_outbox (state, next_at);
CREATE INDEX lti_score_outbox_item ON lti_score_outbox (item_id);

-- +goose Down
DROP TABLE lti_score_outbox;
DROP TABLE lti_course_services;
DROP TABLE lti_item_links;
ALTER TABLE lti_platforms DROP COLUMN token_audience;
