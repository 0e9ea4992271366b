"""The JSON Schema every definitions/*.yaml must satisfy (the shape; meaning is checked in definition_check.py)."""
from __future__ import annotations

from typing import Any

NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
LABEL = {
    "type": "object",
    "required": ["zh", "en"],
    "properties": {"zh": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
# A guard or effect: a bare name, or {name, field?, param? | value?}.
CALL = {
    "oneOf": [
        NAME,
        {
            "type": "object",
            "required": ["name"],
            "properties": {"name": NAME, "field": NAME, "param": NAME, "value": {}},
            "additionalProperties": False,
            "not": {"required": ["param", "value"]},
        },
    ]
}
PARAM_OR_DAYS = {
    "type": "object",
    "properties": {"days": {"type": "integer", "minimum": 0}, "param": NAME},
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}
FIELD = {
    "type": "object",
    "required": ["name", "label", "type"],
    "properties": {
        "name": NAME,
        "label": LABEL,
        "type": {"enum": ["string", "text", "integer", "decimal", "date", "boolean", "choice", "unit", "units", "files",
                           "member"]},
        "required": {"type": "boolean"},
        "min_length": {"type": "integer", "minimum": 0},
        "max_length": {"type": "integer", "minimum": 1},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "future": {"type": "boolean"},
        "from_file": {"type": "boolean"},
        "default_days": PARAM_OR_DAYS,
        "choices": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["value", "zh", "en"],
                "properties": {"value": NAME, "zh": {"type": "string"}, "en": {"type": "string"}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
STATE = {
    "type": "object",
    "required": ["name", "label"],
    "properties": {
        "name": NAME,
        "label": LABEL,
        "document": NAME,
        "final": {"type": "boolean"},
        "report": NAME,
        "send_back": {
            "type": "object",
            "properties": {"to": {"oneOf": [{"const": "path"}, {"type": "array", "minItems": 1, "items": NAME}]},
                           "direct": {"type": "boolean"}},
            "additionalProperties": False,
        },
        "countersign": {
            "type": "object",
            "required": ["voters", "rule", "pass", "fail"],
            "properties": {
                "voters": {"oneOf": [
                    {"type": "object", "required": ["role"], "properties": {"role": NAME}, "additionalProperties": False},
                    {"type": "object", "required": ["users"], "additionalProperties": False,
                     "properties": {"users": {"type": "array", "minItems": 1, "maxItems": 100,
                                              "items": {"type": "string"}}}},
                    {"type": "object", "required": ["field"], "properties": {"field": NAME},
                     "additionalProperties": False},
                ]},
                "rule": {"enum": ["all", "any", "majority", "at_least", "ratio", "sequential"]},
                "at_least": {"oneOf": [{"type": "integer", "minimum": 1},
                                       {"type": "object", "required": ["param"], "properties": {"param": NAME},
                                        "additionalProperties": False}]},
                "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "pass": NAME,
                "fail": NAME,
            },
            "additionalProperties": False,
        },
        "deadline": {
            "type": "object",
            "properties": {
                "days": {"type": "integer", "minimum": 0}, "param": NAME, "field": NAME,
                "working": {"type": "boolean"},
                "expire": {"oneOf": [
                    {"type": "object", "required": ["trigger"], "properties": {"trigger": NAME},
                     "additionalProperties": False},
                    {"const": "remind"},
                    {"type": "object", "required": ["escalate"], "properties": {"escalate": NAME},
                     "additionalProperties": False},
                ]},
            },
            "additionalProperties": False,
            "oneOf": [{"required": ["days"]}, {"required": ["param"]}, {"required": ["field"]}],
        },
    },
    "additionalProperties": False,
}
TRANSITION = {
    "type": "object",
    "required": ["trigger", "label", "source", "dest"],
    "properties": {
        "trigger": NAME,
        "label": LABEL,
        "source": {"oneOf": [NAME, {"type": "array", "minItems": 1, "items": NAME}]},
        "dest": NAME,
        "roles": {"type": "array", "items": NAME},
        "unit": NAME,
        "guards": {"type": "array", "items": CALL},
        "effects": {"type": "array", "items": CALL},
        "fields": {"type": "array", "items": FIELD},
        "document": NAME,
        "comment": {"enum": ["required", "optional"]},
        "prefill": {"type": "boolean"},
        "public": {"type": "boolean"},
        "restart_deadline": {"type": "boolean"},
        "facts": {"type": "array", "items": NAME},
        "claim": {"type": "boolean"},
        "self_approval": {"enum": ["forbid", "allow"]},
        "cc": {"type": "object", "properties": {"roles": {"type": "array", "items": NAME},
                                               "fields": {"type": "array", "items": NAME}},
               "additionalProperties": False},
    },
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["key", "label", "number_prefix", "initial", "roles", "states", "transitions"],
    "properties": {
        "key": NAME,
        "label": LABEL,
        "number_prefix": {"type": "string", "pattern": "^[A-Z]{2,4}$"},
        "description": LABEL,
        "title": LABEL,
        "fallback": {"type": "string", "minLength": 1, "maxLength": 64},
        "initial": NAME,
        "roles": {"type": "array", "items": NAME, "uniqueItems": True},
        "visibility": {
            "type": "object",
            "properties": {"roles": {"type": "array", "items": NAME}, "unit_fields": {"type": "array", "items": NAME},
                           "log_views": {"type": "boolean"}},
            "additionalProperties": False,
        },
        "parameters": {"type": "object", "additionalProperties": {"type": ["number", "string", "boolean"]}},
        "states": {"type": "array", "minItems": 1, "items": STATE},
        # values an effect writes (per-capita income): shown with the case's data after the field `after`
        "computed": {"type": "array", "items": {
            "type": "object", "required": ["name", "label", "type", "after"],
            "properties": {"name": NAME, "label": LABEL, "type": {"enum": ["decimal", "integer", "string", "date"]},
                           "after": NAME},
            "additionalProperties": False}},
        "documents": {"type": "object", "additionalProperties": LABEL},
        "transitions": {"type": "array", "minItems": 1, "items": TRANSITION},
    },
    "additionalProperties": False,
}
