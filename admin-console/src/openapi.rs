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

fn name_parameter() -> Value {
    json!({
        "name": "name", "in": "path", "required": true,
        "description": "The domain name.",
        "schema": { "type": "string", "minLength": 1 }
    })
}

pub fn spec() -> Value {
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
                    "summary": "One domain",
                    "responses": {
                        "200": domain_response("The domain"),
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
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DomainState" } } }
                    },
                    "responses": {
                        "200": domain_response("The domain"),
                        "400": error("Not a JSON body"),
                        "401": error("No valid token"),
                        "404": error("No such domain, or not the caller's"),
                        "422": error("Not a domain name, or not a state")
                    }
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
                "DomainState": {
                    "type": "object", "required": ["state"],
                    "properties": { "state": { "type": "string", "enum": ["enabled", "disabled"] } }
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
