//! The OpenAPI 3.1 document of `/api/v1`. Written out rather than derived:
//! it is short, and a test (tests/console.rs) calls every operation it
//! lists, so it cannot name a route the API does not have.

use axum::Json;
use serde_json::{json, Value};

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn domain_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Domain" } } }
    })
}

fn json_body(schema: &str) -> Value {
    json!({
        "required": true,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

fn id_parameter() -> Value {
    json!({
        "name": "id", "in": "path", "required": true,
        "description": "The queue id, as given in the 250 reply.",
        "schema": { "type": "string", "minLength": 1 }
    })
}

fn address_parameter() -> Value {
    json!({
        "name": "address", "in": "path", "required": true,
        "description": "The mailbox's address.",
        "schema": { "type": "string", "minLength": 1 }
    })
}

/// The answers every operation on one mailbox may give besides its own.
fn mailbox_errors(mut responses: Value) -> Value {
    let map = responses.as_object_mut().expect("responses");
    map.insert("401".into(), error("No valid token"));
    map.insert(
        "404".into(),
        error("No such mailbox, or not in the caller's domains"),
    );
    map.insert(
        "422".into(),
        error("Not an address, or an unacceptable value"),
    );
    responses
}

fn name_parameter() -> Value {
    json!({
        "name": "name", "in": "path", "required": true,
        "description": "The domain name.",
        "schema": { "type": "string", "minLength": 1 }
    })
}

/// The query of a keyset-paged list sorted on `key`.
fn list_parameters(key: &str) -> Value {
    json!([
        { "name": "q", "in": "query", "required": false,
          "description": format!("Only those whose {key} starts with this."), "schema": { "type": "string" } },
        { "name": "domain", "in": "query", "required": false,
          "description": "Only this domain's.", "schema": { "type": "string" } },
        { "name": "sort", "in": "query", "required": false,
          "schema": { "type": "string", "enum": [key, format!("-{key}")] } },
        { "name": "after", "in": "query", "required": false,
          "description": "The `next` of the previous page.", "schema": { "type": "string" } }
    ])
}

fn source_parameter() -> Value {
    json!({
        "name": "source", "in": "path", "required": true,
        "description": "The alias: local@domain, or @domain for the catch-all.",
        "schema": { "type": "string", "minLength": 1 }
    })
}

/// The alias and DNS-record paths.
fn more_paths() -> Value {
    let alias_errors = |mut responses: Value| {
        let map = responses.as_object_mut().expect("responses");
        map.insert("401".into(), error("No valid token"));
        map.insert(
            "404".into(),
            error("No such alias, or not in the caller's domains"),
        );
        map.insert("422".into(), error("Not an alias source or address"));
        responses
    };
    json!({
        "/api/v1/overview": {
            "get": {
                "operationId": "overview",
                "summary": "The dashboard: counts of what the caller manages; for a global administrator also the queue by state, the last 24 hours and each smtp-engine's /status",
                "responses": {
                    "200": ok("The overview", "Overview"),
                    "401": error("No valid token")
                }
            }
        },
        "/api/v1/domains/{name}/records": {
            "parameters": [name_parameter()],
            "get": {
                "operationId": "domainRecords",
                "summary": "The MX, SPF, DKIM and DMARC records the domain should publish, each looked up now through DNS_RESOLVER",
                "responses": {
                    "200": ok("Each record and what was found", "DomainRecords"),
                    "401": error("No valid token"),
                    "404": error("No such domain, or not the caller's"),
                    "422": error("Not a domain name")
                }
            }
        },
        "/api/v1/aliases": {
            "get": {
                "operationId": "listAliases",
                "summary": "A page of the aliases in the caller's domains, by source",
                "parameters": list_parameters("source"),
                "responses": {
                    "200": ok("A page of aliases", "AliasPage"),
                    "400": error("A malformed query"),
                    "401": error("No valid token"),
                    "404": error("No such domain, or not the caller's"),
                    "422": error("Not a sort order")
                }
            },
            "post": {
                "operationId": "addAlias",
                "summary": "Create an alias, or add targets to one; @domain is the catch-all",
                "requestBody": json_body("NewAlias"),
                "responses": alias_errors(json!({
                    "201": ok("The alias", "Alias"),
                    "400": error("Not a JSON body"),
                    "409": error("The source is a mailbox")
                }))
            }
        },
        "/api/v1/aliases/{source}": {
            "parameters": [source_parameter()],
            "get": {
                "operationId": "getAlias",
                "summary": "One alias",
                "responses": alias_errors(json!({ "200": ok("The alias", "Alias") }))
            },
            "delete": {
                "operationId": "removeAlias",
                "summary": "Remove an alias",
                "responses": alias_errors(json!({ "204": { "description": "Removed" } }))
            }
        },
        "/api/v1/aliases/{source}/targets/{target}": {
            "parameters": [source_parameter(), {
                "name": "target", "in": "path", "required": true,
                "description": "The target address to take off.",
                "schema": { "type": "string", "minLength": 1 }
            }],
            "delete": {
                "operationId": "removeAliasTarget",
                "summary": "Stop delivering to one target; taking the last removes the alias",
                "responses": alias_errors(json!({
                    "200": ok("The alias as it is now", "Alias"),
                    "204": { "description": "That was the last target: the alias is removed" }
                }))
            }
        }
    })
}

pub fn spec() -> Value {
    let mut spec = base_spec();
    if let (Some(paths), Value::Object(more)) = (spec["paths"].as_object_mut(), more_paths()) {
        paths.extend(more);
    }
    spec
}

fn base_spec() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mismo admin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The admin console's operations. Authenticate with `Authorization: Bearer TOKEN` (mismoctl admin token NAME). A domain administrator sees only their own domains."
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/domains": {
                "get": {
                    "operationId": "listDomains",
                    "summary": "The domains the caller manages",
                    "responses": {
                        "200": {
                            "description": "The domains",
                            "content": { "application/json": { "schema": {
                                "type": "array", "items": { "$ref": "#/components/schemas/Domain" }
                            } } }
                        },
                        "401": error("No valid token")
                    }
                },
                "post": {
                    "operationId": "addDomain",
                    "summary": "Add a domain (global administrators)",
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewDomain" } } }
                    },
                    "responses": {
                        "201": domain_response("The new domain"),
                        "400": error("Not a JSON body"),
                        "401": error("No valid token"),
                        "403": error("Not a global administrator"),
                        "409": error("The domain exists"),
                        "422": error("Not a domain name")
                    }
                }
            },
            "/api/v1/domains/{name}": {
                "parameters": [name_parameter()],
                "get": {
                    "operationId": "getDomain",
                    "summary": "One domain, with what its mailboxes hold (summed in the store)",
                    "responses": {
                        "200": ok("The domain", "DomainDetail"),
                        "401": error("No valid token"),
                        "404": error("No such domain, or not the caller's"),
                        "422": error("Not a domain name")
                    }
                },
                "delete": {
                    "operationId": "removeDomain",
                    "summary": "Remove a domain with no mailboxes or aliases (global administrators)",
                    "responses": {
                        "204": { "description": "Removed" },
                        "401": error("No valid token"),
                        "403": error("Not a global administrator"),
                        "404": error("No such domain, or not the caller's"),
                        "409": error("The domain still has mailboxes or aliases"),
                        "422": error("Not a domain name")
                    }
                }
            },
            "/api/v1/domains/{name}/state": {
                "parameters": [name_parameter()],
                "put": {
                    "operationId": "setDomainState",
                    "summary": "Enable or disable a domain",
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/StateChange" } } }
                    },
                    "responses": {
                        "200": domain_response("The domain"),
                        "400": error("Not a JSON body"),
                        "401": error("No valid token"),
                        "404": error("No such domain, or not the caller's"),
                        "422": error("Not a domain name, or not a state")
                    }
                }
            },
            "/api/v1/domains/{name}/verify": {
                "parameters": [name_parameter()],
                "post": {
                    "operationId": "verifyDomain",
                    "summary": "Look up the domain's TXT records through DNS_RESOLVER and record whether its verification record is there",
                    "responses": {
                        "200": domain_response("The domain, with the outcome"),
                        "401": error("No valid token"),
                        "404": error("No such domain, or not the caller's"),
                        "422": error("Not a domain name")
                    }
                }
            },
            "/api/v1/mailboxes/{address}/pgp": {
                "parameters": [address_parameter()],
                "get": {
                    "operationId": "getMailboxKey",
                    "summary": "The mailbox's OpenPGP public key",
                    "responses": mailbox_errors(json!({ "200": ok("The key", "PublicKey") }))
                },
                "post": {
                    "operationId": "regenerateMailboxKey",
                    "summary": "Replace the mailbox's OpenPGP key with a new one",
                    "responses": mailbox_errors(json!({ "200": ok("The new key", "PublicKey") }))
                }
            },
            "/api/v1/audit": {
                "get": {
                    "operationId": "auditLog",
                    "summary": "Changes made through the console and the API, newest first (a domain administrator: about their domains)",
                    "parameters": [
                        { "name": "q", "in": "query", "required": false,
                          "description": "Only entries whose administrator, action, target or address contains this.",
                          "schema": { "type": "string" } },
                        { "name": "before", "in": "query", "required": false,
                          "description": "The `next` of the previous page.", "schema": { "type": "string" } }
                    ],
                    "responses": {
                        "200": ok("A page of entries", "AuditPage"),
                        "400": error("A malformed query"),
                        "401": error("No valid token")
                    }
                }
            },
            "/api/v1/queue": {
                "get": {
                    "operationId": "listQueue",
                    "summary": "A page of queued messages, oldest first (global administrators)",
                    "parameters": [
                        { "name": "state", "in": "query", "required": false,
                          "schema": { "type": "string", "enum": ["", "ENQUEUED", "DELIVERING", "DELIVERED", "FAILED"] } },
                        { "name": "domain", "in": "query", "required": false,
                          "description": "A sender's or recipient's domain.", "schema": { "type": "string" } },
                        { "name": "address", "in": "query", "required": false,
                          "description": "The sender or a recipient.", "schema": { "type": "string" } },
                        { "name": "after", "in": "query", "required": false,
                          "description": "The `next` of the previous page.", "schema": { "type": "string" } }
                    ],
                    "responses": {
                        "200": ok("A page of messages", "QueuePage"),
                        "400": error("A malformed query"),
                        "401": error("No valid token"),
                        "403": error("Not a global administrator"),
                        "422": error("Not a state, a domain or an address")
                    }
                }
            },
            "/api/v1/queue/{id}": {
                "parameters": [id_parameter()],
                "get": {
                    "operationId": "getQueued",
                    "summary": "One message: envelope, headers, each recipient's status",
                    "responses": {
                        "200": ok("The message", "QueueDetail"),
                        "401": error("No valid token"),
                        "403": error("Not a global administrator"),
                        "404": error("No such message")
                    }
                },
                "delete": {
                    "operationId": "deleteQueued",
                    "summary": "Remove a message from the queue (not while it is being delivered)",
                    "responses": {
                        "204": { "description": "Deleted" },
                        "401": error("No valid token"),
                        "403": error("Not a global administrator"),
                        "404": error("No such message"),
                        "409": error("Being delivered right now")
                    }
                }
            },
            "/api/v1/queue/{id}/retry": {
                "parameters": [id_parameter()],
                "post": {
                    "operationId": "retryQueued",
                    "summary": "Make a waiting message due now",
                    "responses": {
                        "204": { "description": "Due now" },
                        "401": error("No valid token"),
                        "403": error("Not a global administrator"),
                        "404": error("No such message"),
                        "409": error("Not waiting (being delivered, or final)")
                    }
                }
            },
            "/api/v1/mailboxes": {
                "get": {
                    "operationId": "listMailboxes",
                    "summary": "A page of the mailboxes in the caller's domains, by address, with what each holds",
                    "parameters": list_parameters("address"),
                    "responses": {
                        "200": ok("A page of mailboxes", "MailboxPage"),
                        "400": error("A malformed query"),
                        "401": error("No valid token"),
                        "404": error("No such domain, or not the caller's"),
                        "422": error("Not a sort order")
                    }
                },
                "post": {
                    "operationId": "addMailbox",
                    "summary": "Add a mailbox; without a password one is generated and returned once",
                    "requestBody": json_body("NewMailbox"),
                    "responses": {
                        "201": ok("The new mailbox", "NewMailboxResult"),
                        "400": error("Not a JSON body"),
                        "401": error("No valid token"),
                        "404": error("The domain is not hosted here, or not the caller's"),
                        "409": error("The address is taken"),
                        "422": error("Not an address, a short password or a negative quota")
                    }
                }
            },
            "/api/v1/mailboxes/{address}": {
                "parameters": [address_parameter()],
                "get": {
                    "operationId": "getMailbox",
                    "summary": "One mailbox with its usage, summed in the store",
                    "responses": mailbox_errors(json!({ "200": ok("The mailbox", "MailboxDetail") }))
                }
            },
            "/api/v1/mailboxes/{address}/state": {
                "parameters": [address_parameter()],
                "put": {
                    "operationId": "setMailboxState",
                    "summary": "Enable or disable a mailbox",
                    "requestBody": json_body("StateChange"),
                    "responses": mailbox_errors(json!({
                        "200": ok("The mailbox", "Mailbox"),
                        "400": error("Not a JSON body")
                    }))
                }
            },
            "/api/v1/mailboxes/{address}/password": {
                "parameters": [address_parameter()],
                "put": {
                    "operationId": "setMailboxPassword",
                    "summary": "Set a new password; without one, one is generated and returned once",
                    "requestBody": json_body("NewPassword"),
                    "responses": mailbox_errors(json!({
                        "200": ok("Done", "PasswordResult"),
                        "400": error("Not a JSON body")
                    }))
                }
            },
            "/api/v1/mailboxes/{address}/details": {
                "parameters": [address_parameter()],
                "put": {
                    "operationId": "setMailboxDetails",
                    "summary": "Set the quota and the display name",
                    "requestBody": json_body("MailboxDetails"),
                    "responses": mailbox_errors(json!({
                        "200": ok("The mailbox", "Mailbox"),
                        "400": error("Not a JSON body")
                    }))
                }
            }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": { "error": { "type": "string" } }
                },
                "NewDomain": {
                    "type": "object", "required": ["name"],
                    "properties": { "name": { "type": "string" } }
                },
                "StateChange": {
                    "type": "object", "required": ["state"],
                    "properties": { "state": { "type": "string", "enum": ["enabled", "disabled"] } }
                },
                "AuditEntry": {
                    "type": "object",
                    "required": ["_id", "at", "admin", "ip", "action", "target", "domain"],
                    "properties": {
                        "_id": { "type": "string" },
                        "at": { "type": "integer" },
                        "admin": { "type": "string" },
                        "ip": { "type": "string" },
                        "action": { "type": "string" },
                        "target": { "type": "string" },
                        "domain": { "type": "string" },
                        "detail": { "type": ["string", "null"] }
                    }
                },
                "AuditPage": {
                    "type": "object", "required": ["entries"],
                    "properties": {
                        "entries": { "type": "array", "items": { "$ref": "#/components/schemas/AuditEntry" } },
                        "next": { "type": ["string", "null"] }
                    }
                },
                "PublicKey": {
                    "type": "object", "required": ["fingerprint", "armored"],
                    "properties": {
                        "fingerprint": { "type": "string" },
                        "armored": { "type": "string" }
                    }
                },
                "QueueRow": {
                    "type": "object",
                    "required": ["id", "state", "from", "recipients", "size", "attempts", "received_at", "due_at"],
                    "properties": {
                        "id": { "type": "string" },
                        "state": { "type": "string", "enum": ["ENQUEUED", "DELIVERING", "DELIVERED", "FAILED"] },
                        "from": { "type": "string" },
                        "recipients": { "type": "array", "items": { "type": "string" } },
                        "subject": { "type": ["string", "null"] },
                        "size": { "type": "integer" },
                        "attempts": { "type": "integer" },
                        "received_at": { "type": "integer" },
                        "due_at": { "type": "integer" }
                    }
                },
                "QueuePage": {
                    "type": "object", "required": ["messages"],
                    "properties": {
                        "messages": { "type": "array", "items": { "$ref": "#/components/schemas/QueueRow" } },
                        "next": { "type": ["string", "null"] }
                    }
                },
                "QueueDetail": {
                    "allOf": [
                        { "$ref": "#/components/schemas/QueueRow" },
                        { "type": "object", "required": ["origin", "headers", "header_block", "recipients_status"], "properties": {
                            "origin": { "type": "object" },
                            "headers": { "type": "object" },
                            "header_block": { "type": "string" },
                            "recipients_status": { "type": "array", "items": {
                                "type": "object", "required": ["address", "status", "attempts"],
                                "properties": {
                                    "address": { "type": "string" },
                                    "status": { "type": "string", "enum": ["pending", "deferred", "delivered", "failed"] },
                                    "attempts": { "type": "integer" },
                                    "last_reply": { "type": ["string", "null"] },
                                    "next_try": { "type": ["integer", "null"] }
                                }
                            } }
                        } }
                    ]
                },
                "Mailbox": {
                    "type": "object",
                    "required": ["address", "domain", "state", "quota_bytes", "has_pgp_key", "created_at"],
                    "properties": {
                        "address": { "type": "string" },
                        "domain": { "type": "string" },
                        "state": { "type": "string", "enum": ["enabled", "disabled"] },
                        "display_name": { "type": ["string", "null"] },
                        "quota_bytes": { "type": "integer", "minimum": 0 },
                        "has_pgp_key": { "type": "boolean" },
                        "created_at": { "type": "integer" }
                    }
                },
                "MailboxRow": {
                    "allOf": [
                        { "$ref": "#/components/schemas/Mailbox" },
                        { "type": "object", "required": ["messages", "bytes"], "properties": {
                            "messages": { "type": "integer", "minimum": 0 },
                            "bytes": { "type": "integer", "minimum": 0 }
                        } }
                    ]
                },
                "MailboxDetail": {
                    "allOf": [
                        { "$ref": "#/components/schemas/Mailbox" },
                        { "type": "object", "required": ["messages", "bytes"], "properties": {
                            "messages": { "type": "integer", "minimum": 0 },
                            "bytes": { "type": "integer", "minimum": 0 },
                            "pgp_fingerprint": { "type": ["string", "null"] }
                        } }
                    ]
                },
                "MailboxPage": {
                    "type": "object", "required": ["mailboxes"],
                    "properties": {
                        "mailboxes": { "type": "array", "items": { "$ref": "#/components/schemas/MailboxRow" } },
                        "next": { "type": ["string", "null"] }
                    }
                },
                "NewMailbox": {
                    "type": "object", "required": ["address"],
                    "properties": {
                        "address": { "type": "string" },
                        "password": { "type": ["string", "null"] },
                        "quota_bytes": { "type": "integer", "minimum": 0 }
                    }
                },
                "NewMailboxResult": {
                    "type": "object", "required": ["mailbox"],
                    "properties": {
                        "mailbox": { "$ref": "#/components/schemas/Mailbox" },
                        "generated_password": { "type": ["string", "null"] }
                    }
                },
                "NewPassword": {
                    "type": "object",
                    "properties": { "password": { "type": ["string", "null"] } }
                },
                "PasswordResult": {
                    "type": "object",
                    "properties": { "generated_password": { "type": ["string", "null"] } }
                },
                "MailboxDetails": {
                    "type": "object", "required": ["quota_bytes"],
                    "properties": {
                        "quota_bytes": { "type": "integer", "minimum": 0 },
                        "display_name": { "type": "string" }
                    }
                },
                "DomainDetail": {
                    "allOf": [
                        { "$ref": "#/components/schemas/Domain" },
                        { "type": "object", "required": ["aliases", "messages", "bytes"], "properties": {
                            "aliases": { "type": "integer", "minimum": 0 },
                            "messages": { "type": "integer", "minimum": 0 },
                            "bytes": { "type": "integer", "minimum": 0 }
                        } }
                    ]
                },
                "DomainRecords": {
                    "type": "object", "required": ["records", "zone"],
                    "properties": {
                        "records": { "type": "array", "items": {
                            "type": "object",
                            "required": ["kind", "name", "rtype", "expected", "status", "published"],
                            "properties": {
                                "kind": { "type": "string", "enum": ["MX", "SPF", "DKIM", "DMARC"] },
                                "name": { "type": "string" },
                                "rtype": { "type": "string", "enum": ["MX", "TXT"] },
                                "expected": { "type": "string" },
                                "status": { "type": "string", "enum": ["found", "missing", "different", "failed"] },
                                "published": { "type": "array", "items": { "type": "string" } },
                                "detail": { "type": ["string", "null"] }
                            }
                        } },
                        "zone": { "type": "string", "description": "Every record as zone-file lines." }
                    }
                },
                "Overview": {
                    "type": "object", "required": ["domains", "enabled_domains", "mailboxes", "store_ms"],
                    "properties": {
                        "domains": { "type": "integer", "minimum": 0 },
                        "enabled_domains": { "type": "integer", "minimum": 0 },
                        "mailboxes": { "type": "integer", "minimum": 0 },
                        "store_ms": { "type": "number", "description": "The store's answer time to a ping." },
                        "queue": { "type": ["array", "null"], "items": {
                            "type": "object", "required": ["state", "count"],
                            "properties": {
                                "state": { "type": "string", "enum": ["ENQUEUED", "DELIVERING", "DELIVERED", "FAILED"] },
                                "count": { "type": "integer", "minimum": 0 }
                            }
                        } },
                        "last_24h": { "oneOf": [{ "type": "null" }, {
                            "type": "object", "required": ["accepted", "delivered", "deferred", "bounced"],
                            "properties": {
                                "accepted": { "type": "integer", "minimum": 0 },
                                "delivered": { "type": "integer", "minimum": 0 },
                                "deferred": { "type": "integer", "minimum": 0 },
                                "bounced": { "type": "integer", "minimum": 0 }
                            }
                        }] },
                        "engines": { "type": ["array", "null"], "items": {
                            "type": "object", "required": ["hostname", "status_url", "version", "started_at", "state"],
                            "properties": {
                                "hostname": { "type": "string" },
                                "status_url": { "type": "string" },
                                "version": { "type": "string" },
                                "started_at": { "type": "integer" },
                                "state": { "type": "string", "enum": ["ok", "unavailable", "unreachable"] },
                                "reason": { "type": ["string", "null"] }
                            }
                        } }
                    }
                },
                "Alias": {
                    "type": "object", "required": ["source", "domain", "catch_all", "targets", "created_at"],
                    "properties": {
                        "source": { "type": "string", "description": "local@domain, or @domain for the catch-all" },
                        "domain": { "type": "string" },
                        "catch_all": { "type": "boolean" },
                        "targets": { "type": "array", "items": { "type": "string" } },
                        "created_at": { "type": "integer" }
                    }
                },
                "AliasPage": {
                    "type": "object", "required": ["aliases"],
                    "properties": {
                        "aliases": { "type": "array", "items": { "$ref": "#/components/schemas/Alias" } },
                        "next": { "type": ["string", "null"] }
                    }
                },
                "NewAlias": {
                    "type": "object", "required": ["source", "targets"],
                    "properties": {
                        "source": { "type": "string", "description": "local@domain, or @domain for the catch-all" },
                        "targets": { "type": "array", "items": { "type": "string" }, "minItems": 1 }
                    }
                },
                "Domain": {
                    "type": "object",
                    "required": ["name", "state", "verification", "record", "mailboxes", "created_at"],
                    "properties": {
                        "name": { "type": "string" },
                        "state": { "type": "string", "enum": ["enabled", "disabled"] },
                        "verification": { "type": "string", "enum": ["unverified", "verified", "failed"] },
                        "detail": { "type": ["string", "null"] },
                        "record": { "type": "string" },
                        "mailboxes": { "type": "integer", "minimum": 0 },
                        "created_at": { "type": "integer" }
                    }
                }
            }
        }
    })
}
