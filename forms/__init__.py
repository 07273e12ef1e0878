"""Form definitions: fields as data, their JSON Schema, validation of data with field paths, the
types the rules checker reads, masks of sensitive values, and reading import files (CSV, XLSX)
into field values. Pure: no I/O, no clock (docs/forms.md, docs/import.md)."""

from forms import builder
from forms.conditions import FieldStates, computed_values, field_states
from forms.field_types import TYPE_NAMES, TYPES, FieldType, TypeSpec
from forms.fields import LANGUAGES, Field, FieldExpression, Section
from forms.form import Form, FormError
from forms.formats import e164_phone, uscc_check_character
from forms.import_coercion import COERCIONS, CellError, coerce_cell
from forms.import_files import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    Cell,
    ImportFileError,
    Table,
    read_table,
)
from forms.import_mapping import (
    ColumnMap,
    ImportMappingError,
    MappingFile,
    Target,
    load_mapping,
    map_columns,
)
from forms.json_schema import field_schema
from forms.loader import check_form, load_form
from forms.masking import MASK, mask_data, mask_result, mask_text, mask_value, sensitive_ids
from forms.messages import (
    Text,
    did_you_mean,
    label_of,
    restored_text,
    stored_text,
    text,
    text_problem_of,
)
from forms.terms import TERMS, TERMS_FIELDS, TERMS_SCHEMA, terms_json_schema, validate_terms
from forms.unique import comparison_key, unique_fields, unique_keys
from forms.validation import (
    FORMATS,
    DataError,
    json_text_errors,
    normalise,
    path_text,
    text_problem,
    validate,
)
from forms.versions import (
    Action,
    ChangeKind,
    FieldChange,
    FieldChecker,
    FieldMapping,
    FormChanges,
    VersionMapping,
    check_mapping,
    compare_forms,
    mapping_span,
    read_mapping,
    value_problem,
)

__all__ = [
    "COERCIONS",
    "FORMATS",
    "LANGUAGES",
    "MASK",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "TERMS",
    "TERMS_FIELDS",
    "TERMS_SCHEMA",
    "TYPES",
    "TYPE_NAMES",
    "Action",
    "Cell",
    "CellError",
    "ChangeKind",
    "ColumnMap",
    "DataError",
    "Field",
    "FieldChange",
    "FieldChecker",
    "FieldExpression",
    "FieldMapping",
    "FieldStates",
    "FieldType",
    "Form",
    "FormChanges",
    "FormError",
    "ImportFileError",
    "ImportMappingError",
    "MappingFile",
    "Section",
    "Table",
    "Target",
    "Text",
    "TypeSpec",
    "VersionMapping",
    "builder",
    "check_form",
    "check_mapping",
    "coerce_cell",
    "compare_forms",
    "comparison_key",
    "computed_values",
    "did_you_mean",
    "e164_phone",
    "field_schema",
    "field_states",
    "json_text_errors",
    "label_of",
    "load_form",
    "load_mapping",
    "map_columns",
    "mapping_span",
    "mask_data",
    "mask_result",
    "mask_text",
    "mask_value",
    "normalise",
    "path_text",
    "read_mapping",
    "read_table",
    "restored_text",
    "sensitive_ids",
    "stored_text",
    "terms_json_schema",
    "text",
    "text_problem",
    "text_problem_of",
    "unique_fields",
    "unique_keys",
    "uscc_check_character",
    "validate",
    "validate_terms",
    "value_problem",
]
