//! The database schema, in portable types only (Text, BigInt, Integer, Bool, Date, Timestamp),
//! so the same queries run on SQLite and PostgreSQL.

diesel::table! {
    townships (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    villages (code) {
        code -> Text,
        township_code -> Text,
        name -> Text,
        opening_date -> Date,
        opening_cash_fen -> BigInt,
        opening_bank_fen -> BigInt,
        ledger_version -> BigInt,
    }
}

diesel::table! {
    accounts (chart, code) {
        chart -> Text,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        class -> Text,
        settlement -> Bool,
    }
}

diesel::table! {
    entries (seq) {
        seq -> BigInt,
        id -> Text,
        village_code -> Text,
        fiscal_year -> Integer,
        period -> Text,
        voucher_no -> Text,
        occurred_on -> Date,
        posted_at -> Timestamp,
        direction -> Text,
        amount_fen -> BigInt,
        account_code -> Text,
        settlement_account_code -> Text,
        counterparty -> Text,
        description -> Text,
        project -> Nullable<Text>,
        fund_source -> Nullable<Text>,
        posted_by -> Text,
        reverses -> Nullable<Text>,
        reversal_reason -> Nullable<Text>,
        tender_ref -> Nullable<Text>,
        // import and export (issue 19)
        voucher_line -> Integer,
        imported_sha256 -> Nullable<Text>,
        imported_undated -> Bool,
        // kept by triggers for listings (issue 18): the reversal's id, the receipts attached
        reversed_by -> Nullable<Text>,
        receipt_count -> Integer,
    }
}

diesel::table! {
    closed_periods (village_code, period) {
        village_code -> Text,
        period -> Text,
        closed_at -> Timestamp,
        closed_by -> Text,
        checkpoint_size -> Nullable<BigInt>,
    }
}

// Monthly aggregates of the entries, kept by a trigger on `entries` (see the migration).
diesel::table! {
    monthly_totals (village_code, fiscal_year, period, account_code, settlement_account_code, direction) {
        village_code -> Text,
        fiscal_year -> Integer,
        period -> Text,
        account_code -> Text,
        settlement_account_code -> Text,
        direction -> Text,
        total_fen -> BigInt,
        entry_count -> BigInt,
    }
}

diesel::table! {
    users (username) {
        username -> Text,
        password_hash -> Text,
        role -> Text,
        township_code -> Nullable<Text>,
        village_code -> Nullable<Text>,
        home_township_code -> Nullable<Text>,
        home_village_code -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        addressee_id -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        username -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked -> Bool,
    }
}

diesel::table! {
    inspections (id) {
        id -> Text,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
        created_by -> Text,
        created_at -> Timestamp,
        checklist_id -> Nullable<Text>,
        follow_up_of -> Nullable<Text>,
    }
}

diesel::table! {
    inspection_inspectors (inspection_id, username) {
        inspection_id -> Text,
        username -> Text,
    }
}

diesel::table! {
    inspection_targets (inspection_id, kind, code) {
        inspection_id -> Text,
        kind -> Text,
        code -> Text,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor -> Nullable<Text>,
        action -> Text,
        object -> Nullable<Text>,
        village_code -> Nullable<Text>,
        township_code -> Nullable<Text>,
        outcome -> Text,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    receipts (id) {
        id -> Text,
        entry_id -> Text,
        village_code -> Text,
        sha256 -> Text,
        content_type -> Text,
        byte_size -> BigInt,
        width -> Integer,
        height -> Integer,
        phash -> Text,
        invoice_key -> Nullable<Text>,
        invoice_type -> Nullable<Text>,
        invoice_code -> Nullable<Text>,
        invoice_number -> Nullable<Text>,
        invoice_amount_fen -> Nullable<BigInt>,
        invoice_date -> Nullable<Date>,
        invoice_check_code -> Nullable<Text>,
        qr_text -> Nullable<Text>,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
        qr_search -> Text,
    }
}

diesel::table! {
    receipt_withdrawals (receipt_id) {
        receipt_id -> Text,
        reason -> Text,
        withdrawn_by -> Text,
        withdrawn_at -> Timestamp,
    }
}

diesel::table! {
    tenders (id) {
        id -> Text,
        village_code -> Text,
        reference -> Text,
        reference_key -> Text,
        project -> Text,
        winner -> Text,
        amount_fen -> BigInt,
        awarded_on -> Date,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    addressees (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        township_code -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    findings (seq) {
        seq -> BigInt,
        id -> Text,
        inspection_id -> Text,
        village_code -> Text,
        township_code -> Text,
        checklist_item -> Text,
        category -> Text,
        description -> Text,
        amount_fen -> BigInt,
        requires_rectification -> Bool,
        rectify_by -> Nullable<Date>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    finding_evidence (finding_id, position) {
        finding_id -> Text,
        position -> Integer,
        kind -> Text,
        #[sql_name = "ref"]
        reference -> Text,
        detail -> Nullable<Text>,
    }
}

// -- questions and reports (巡察 workflow): tables here --

diesel::table! {
    questions (id) {
        id -> Text,
        entry_id -> Text,
        village_code -> Text,
        township_code -> Text,
        kind -> Text,
        route -> Text,
        status -> Text,
        text -> Text,
        asked_by -> Text,
        filed_on -> Date,
        filed_at -> Timestamp,
        answer -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        accepted_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        has_photo -> Bool,
    }
}

diesel::table! {
    question_photos (question_id) {
        question_id -> Text,
        width -> Integer,
        height -> Integer,
        jpeg -> Binary,
    }
}

// -- checklists, rectification, publication: tables here --

diesel::table! {
    checklists (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        village_kind -> Nullable<Text>,
        base_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    checklist_items (checklist_id, code) {
        checklist_id -> Text,
        code -> Text,
        position -> Integer,
        title -> Text,
        category -> Text,
    }
}

diesel::table! {
    checklist_marks (inspection_id, village_code, item_code) {
        inspection_id -> Text,
        village_code -> Text,
        item_code -> Text,
        mark -> Text,
        finding_id -> Nullable<Text>,
        marked_by -> Text,
        marked_at -> Timestamp,
    }
}

diesel::table! {
    rectification_steps (id) {
        id -> Text,
        finding_id -> Text,
        position -> Integer,
        action -> Text,
        text -> Text,
        acted_by -> Text,
        acted_at -> Timestamp,
    }
}

diesel::table! {
    rectification_links (step_id, position) {
        step_id -> Text,
        position -> Integer,
        kind -> Text,
        #[sql_name = "ref"]
        reference -> Text,
    }
}

diesel::table! {
    publications (id) {
        id -> Text,
        finding_id -> Text,
        position -> Integer,
        text -> Text,
        status -> Text,
        published_by -> Text,
        published_at -> Timestamp,
    }
}

// -- referral tickets: tables here --

diesel::table! {
    tickets (seq) {
        seq -> BigInt,
        id -> Text,
        finding_id -> Text,
        inspection_id -> Text,
        village_code -> Text,
        township_code -> Text,
        colour -> Text,
        addressee_id -> Text,
        note -> Nullable<Text>,
        status -> Text,
        issued_by -> Text,
        issued_at -> Timestamp,
        issued_on -> Date,
        due_on -> Date,
        finding_on -> Date,
        received_by -> Nullable<Text>,
        received_at -> Nullable<Timestamp>,
        concluded_by -> Nullable<Text>,
        concluded_at -> Nullable<Timestamp>,
        concluded_on -> Nullable<Date>,
        response -> Nullable<Text>,
        outcome -> Nullable<Text>,
        persons_disciplined -> Integer,
        recovered_fen -> BigInt,
        days_to_conclusion -> Nullable<Integer>,
    }
}

diesel::joinable!(villages -> townships (township_code));
diesel::joinable!(entries -> villages (village_code));
diesel::joinable!(monthly_totals -> villages (village_code));

diesel::allow_tables_to_appear_in_same_query!(
    townships,
    villages,
    accounts,
    entries,
    monthly_totals,
    closed_periods,
    users,
    refresh_tokens,
    inspections,
    inspection_inspectors,
    inspection_targets,
    audit_log,
    log_state,
    log_leaves,
    log_nodes,
    log_checkpoints,
    inspection_checkpoints,
    receipts,
    receipt_withdrawals,
    tenders,
    addressees,
    findings,
    finding_evidence,
    // -- questions and reports --
    questions,
    question_photos,
    // -- checklists, rectification, publication --
    checklists,
    checklist_items,
    checklist_marks,
    rectification_steps,
    rectification_links,
    publications,
    // -- referral tickets --
    tickets,
);

diesel::table! {
    log_state (id) {
        id -> Integer,
        size -> BigInt,
    }
}

diesel::table! {
    log_leaves (idx) {
        idx -> BigInt,
        kind -> Text,
        object_id -> Text,
        leaf -> Binary,
        leaf_hash -> Binary,
    }
}

diesel::table! {
    log_nodes (level, idx) {
        level -> Integer,
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    log_checkpoints (size) {
        size -> BigInt,
        root_hash -> Binary,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inspection_checkpoints (inspection_id, size) {
        inspection_id -> Text,
        size -> BigInt,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}
