from ninja import Schema


class CertificateOut(Schema):
    number: str
    issuer: str
    valid_from: str
    valid_to: str
    revoked: bool
    valid_today: bool


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    agency_id: int | None
    agency_name: str | None
    unit_id: int | None
    roles: list[str]
    certificates: list[CertificateOut]
