-- How long a school keeps the records of its devices once they are done
-- with: a loan after the device came back, a damage report after its
-- repair ended. Then the housekeeping deletes them (DSGVO: no longer
-- than needed).

CREATE TABLE device_retention (
    school_id     BIGINT PRIMARY KEY REFERENCES schools(id),
    loan_years    INTEGER NOT NULL,
    damage_years  INTEGER NOT NULL
);
