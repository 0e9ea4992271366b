"""The roles a user can hold: the union's offices (docs/architecture.md § Roles). Definitions may only name these."""
from __future__ import annotations

ROLES: dict[str, dict[str, str]] = {
    "member": {"zh": "会员/职工", "en": "Member"},
    "representative": {"zh": "职工代表", "en": "Workers' representative"},
    "proposal_committee": {"zh": "提案工作委员会", "en": "Proposal committee"},
    "department_head": {"zh": "承办部门负责人", "en": "Department head"},
    "grassroots_union": {"zh": "基层工会干事", "en": "Grassroots union officer"},
    "union_chair": {"zh": "工会主席", "en": "Union chair"},
    "union_committee": {"zh": "工会委员会委员", "en": "Union committee member"},
    "audit_committee": {"zh": "经审委", "en": "Audit committee"},
    "election_committee": {"zh": "选举工作领导小组", "en": "Election committee"},
    "finance": {"zh": "财务", "en": "Finance"},
    "auditor": {"zh": "审计", "en": "Auditor"},
    "admin": {"zh": "系统管理员", "en": "Administrator"},
}
ADMIN = "admin"  # 流程干预: reassigns any open task, ends a case (workflow/core/tasks.py, workflow/core/moves.py)
# Not a person's role (never given to an account by hand): the timers act under it when a deadline passes.
SYSTEM = "system"
SYSTEM_LABEL = {"zh": "系统", "en": "System"}


def role_label(role: str, lang: str = "zh") -> str:
    return (SYSTEM_LABEL if role == SYSTEM else ROLES.get(role, {})).get(lang, role)
