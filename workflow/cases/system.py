"""The `system` account: who the timers and the delegations' moves act as. It holds only the `system` role and
cannot sign in (inactive); it is made the first time it is needed."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workflow.accounts.passwords import hash_password
from workflow.cases.service import CaseService
from workflow.core.roles import SYSTEM
from workflow.store.models import User

SYSTEM_USERNAME = "system"


def system_user_id(service: CaseService) -> int:
    query = select(User.id).where(User.username == SYSTEM_USERNAME)
    with service.db.read() as session:
        found = session.scalar(query)
    if found is not None:
        return found
    try:
        with service.db.transaction() as session:
            user = User(username=SYSTEM_USERNAME, display_name="系统", active=False, role_list=[SYSTEM],
                        password_hash=hash_password(secrets.token_hex(16)))
            session.add(user)
            session.flush()
            return user.id
    except IntegrityError:  # another runner made it at the same moment
        with service.db.read() as session:
            return session.scalar(query)
