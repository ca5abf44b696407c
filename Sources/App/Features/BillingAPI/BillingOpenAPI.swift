import Foundation

/// The OpenAPI 3 document of the billing exchange API, built from the same field list the API validates
/// with, so the two cannot drift. `docs/billing-api.openapi.json` is this document; a test keeps it so.
enum BillingOpenAPI {
    static let documentData: Data = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(document)) ?? Data()) + Data("\n".utf8)
    }()

    static var document: JSONValue {
        var paths: [String: JSONValue] = [:]
        var schemas: [String: JSONValue] = [
            "Error": [
                "type": "object", "required": ["error"], "additionalProperties": false,
                "properties": [
                    "error": ["type": "string"],
                    "problems": [
                        "type": "array",
                        "items": [
                            "type": "object", "required": ["path", "message"], "additionalProperties": false,
                            "properties": [
                                "path": ["type": "string", "description": "JSON Pointer of the bad field"],
                                "message": ["type": "string"],
                            ],
                        ],
                    ],
                ],
            ],
            "UpsertResult": [
                "type": "object", "required": ["received", "created"], "additionalProperties": false,
                "properties": [
                    "received": ["type": "integer", "minimum": 1, "maximum": .number(Double(BillingEntity.maxBatch))],
                    "created": ["type": "integer", "minimum": 0, "description": "records that did not exist before"],
                ],
            ],
            "Feed": [
                "type": "object", "required": ["items", "next"], "additionalProperties": false,
                "properties": [
                    "next": ["type": "integer", "minimum": 0, "description": "pass as `after` to read on"],
                    "items": [
                        "type": "array",
                        "items": [
                            "type": "object", "required": ["cursor", "kind", "entityId", "createdAt", "data"],
                            "additionalProperties": false,
                            "properties": [
                                "cursor": ["type": "integer", "minimum": 1],
                                "kind": [
                                    "type": "string",
                                    "enum": .array(BillingFeed.Kind.allCases.map { .string($0.rawValue) }),
                                ],
                                "entityId": ["type": "string"],
                                "createdAt": ["type": "string", "format": "date-time"],
                                "data": ["type": "object"],
                            ],
                        ],
                    ],
                ],
            ],
        ]
        func error(_ text: String) -> JSONValue {
            [
                "description": .string(text),
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
            ]
        }
        for entity in BillingEntity.all {
            let name = schemaName(entity.path)
            schemas[name] = schema(entity)
            paths["/\(entity.path)"] = [
                "put": [
                    "operationId": .string("put" + name),
                    "summary": .string(entity.title),
                    "description": .string(
                        "Creates or updates up to \(BillingEntity.maxBatch) records by `id` in one transaction. The same batch sent twice changes nothing. If any record is invalid, nothing is changed and every bad field is listed."
                    ),
                    "requestBody": [
                        "required": true,
                        "content": [
                            "application/json": [
                                "schema": [
                                    "type": "object", "required": ["items"], "additionalProperties": false,
                                    "properties": [
                                        "items": [
                                            "type": "array", "minItems": 1,
                                            "maxItems": .number(Double(BillingEntity.maxBatch)),
                                            "items": ["$ref": .string("#/components/schemas/\(name)")],
                                        ]
                                    ],
                                ]
                            ]
                        ],
                    ],
                    "responses": [
                        "200": [
                            "description": "Stored",
                            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/UpsertResult"]]],
                        ],
                        "400": error("The body is not JSON"),
                        "401": error("No valid bearer token"),
                        "413": error("The body is larger than 64 MB"),
                        "422": error("Invalid records; nothing was changed"),
                        "503": error("Busy: nothing was changed; send the batch again after `Retry-After` seconds"),
                    ],
                ]
            ]
        }
        paths["/feed"] = [
            "get": [
                "operationId": "getFeed",
                "summary": "What the portal collected for billing, after a cursor",
                "description": .string(
                    "Entries in the order they happened. Start with `after=0`, then pass the `next` of each answer. Kinds: \(BillingFeed.Kind.allCases.map(\.rawValue).joined(separator: ", "))."
                ),
                "parameters": [
                    [
                        "name": "after", "in": "query", "required": false,
                        "schema": ["type": "integer", "minimum": 0, "default": 0],
                    ],
                    [
                        "name": "limit", "in": "query", "required": false,
                        "schema": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 100],
                    ],
                ],
                "responses": [
                    "200": [
                        "description": "Entries",
                        "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Feed"]]],
                    ],
                    "401": error("No valid bearer token"),
                    "422": error("Invalid parameters"),
                    "503": error("Busy: ask again after `Retry-After` seconds"),
                ],
            ]
        ]
        paths["/openapi.json"] = [
            "get": [
                "operationId": "getOpenAPI", "summary": "This document", "security": [],
                "responses": [
                    "200": [
                        "description": "The document", "content": ["application/json": ["schema": ["type": "object"]]],
                    ]
                ],
            ]
        ]
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "ЛКК ЮЛ billing exchange API",
                "version": "1.0.0",
                "description":
                    "Billing owns contracts, energy objects, meters, readings, invoices, advances, payments and documents and writes them here; the portal collects readings, online payments, appeals and orders, which billing reads from the feed. Tokens are issued with `lkk billing token create NAME`. Amounts are whole kopecks; dates are YYYY-MM-DD; periods YYYY-MM.",
            ],
            "servers": [["url": .string(BillingAPIController.basePath)]],
            "security": [["bearer": []]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": .object(schemas),
            ],
        ]
    }

    static func schemaName(_ path: String) -> String {
        path.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func schema(_ entity: BillingEntity) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in entity.fields {
            var property: [String: JSONValue]
            switch field.kind {
            case .text(let max): property = ["type": "string", "minLength": 1, "maxLength": .number(Double(max))]
            case .reference(let table):
                property = [
                    "type": "string", "minLength": 1, "maxLength": 64,
                    "description": .string("id of a \(table) record"),
                ]
            case .rule(let rule): property = ["type": "string", "pattern": .string(pattern(rule))]
            case .choice(let options): property = ["type": "string", "enum": .array(options.map { .string($0) })]
            case .integer(let range):
                property = [
                    "type": "integer", "minimum": .number(Double(range.lowerBound)),
                    "maximum": .number(Double(range.upperBound)),
                ]
            case .boolean: property = ["type": "boolean"]
            case .date: property = ["type": "string", "format": "date"]
            case .period: property = ["type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"]
            case .reading: property = ["type": "string", "pattern": "^[0-9]{1,12}(\\.[0-9]{1,3})?$"]
            case .emails:
                property = ["type": "array", "maxItems": 50, "items": ["type": "string", "format": "email"]]
            case .base64: property = ["type": "string", "format": "byte"]
            }
            if !field.about.isEmpty { property["description"] = .string(field.about) }
            if !field.required { property["nullable"] = true }
            properties[field.name] = .object(property)
        }
        return [
            "type": "object", "additionalProperties": false, "description": .string(entity.title),
            "required": .array(entity.fields.filter(\.required).map { .string($0.name) }),
            "properties": .object(properties),
        ]
    }

    static func pattern(_ rule: BillingField.Rule) -> String {
        switch rule {
        case .contractNumber: "^[0-9]{14}$"
        case .inn: "^([0-9]{10}|[0-9]{12})$"
        case .kpp: "^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$"
        case .ogrn: "^([0-9]{13}|[0-9]{15})$"
        case .bik: "^04[0-9]{7}$"
        case .account: "^[0-9]{20}$"
        case .email: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"
        case .phone: "^[0-9 +()-]{5,40}$"
        }
    }
}
