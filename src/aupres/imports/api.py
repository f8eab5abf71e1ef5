"""API of the import (issue #17): upload, mapping and dry run, report, import, undo, status."""

from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from aupres.core.errors import DomainError
from aupres.imports import services, tasks
from aupres.imports.forms import MAX_FILE_MB

router = Router(tags=["import"])


class ProblemOut(Schema):
    line: int
    column: str
    field: str
    value: str
    message: str


class DuplicateOut(Schema):
    line: int
    person_id: int
    name: str
    score: float
    reasons: list[str]


class ImportOut(Schema):
    id: int
    service: int
    status: str
    status_label: str
    progress: int
    filename: str
    row_count: int
    headers: list[str]
    mapping: dict[str, str]
    value_map: dict[str, dict[str, str]]
    error_count: int | None = None
    errors: list[ProblemOut] = []
    duplicates: list[DuplicateOut] = []
    create: dict[str, int] = {}
    created: dict[str, int] = {}
    can_undo: bool = False


class MappingIn(Schema):
    mapping: dict[str, str] = Field(..., description="column header -> field (empty: left aside)")
    value_map: dict[str, dict[str, str]] = Field(default_factory=dict,
                                                 description="field -> {written value -> code}")


def _out(request, batch):
    report = services.read_report(request.user, batch) if batch.report else {}
    return ImportOut(
        id=batch.pk, service=batch.service_id, status=batch.status, status_label=batch.get_status_display(),
        progress=batch.progress, filename=batch.filename, row_count=batch.row_count, headers=batch.headers,
        mapping=batch.mapping, value_map=batch.value_map, error_count=report.get("error_count"),
        errors=report.get("errors", []), duplicates=report.get("duplicates", []),
        create=report.get("create", {}), created=report.get("created", {}),
        can_undo=services.can_undo(batch) if batch.status == "done" else False)


@router.post("/imports", response={201: ImportOut}, summary="Upload a CSV or XLSX file to import into a service")
def upload(request, service: Form[int], file: File[UploadedFile]):
    if file.size > MAX_FILE_MB * 2**20:
        raise DomainError(f"Le fichier dépasse {MAX_FILE_MB} Mo.", field="file", code="file_too_large")
    batch = services.upload(request.user, service, file.name or "", file.read())
    return 201, _out(request, batch)


@router.get("/imports/{int:batch_id}", response=ImportOut,
            summary="State, progress and report (the dry run's problems line by line, duplicates, counts)")
def status(request, batch_id: int):
    return _out(request, services.get_batch(request.user, batch_id))


@router.put("/imports/{int:batch_id}/mapping", response=ImportOut,
            summary="Set the columns' and values' mapping, and start the dry run")
def mapping(request, batch_id: int, payload: MappingIn):
    batch = services.get_batch(request.user, batch_id)
    batch = tasks.check(request.user, batch, payload.mapping, payload.value_map)
    return _out(request, batch)


@router.post("/imports/{int:batch_id}/run", response=ImportOut, summary="Import (after a clean dry run)")
def run(request, batch_id: int):
    batch = services.get_batch(request.user, batch_id)
    return _out(request, tasks.start(request.user, batch))


@router.post("/imports/{int:batch_id}/undo", response=ImportOut,
             summary="Undo the whole import, while nothing imported was changed")
def undo(request, batch_id: int):
    batch = services.get_batch(request.user, batch_id)
    return _out(request, services.undo(request.user, batch))
