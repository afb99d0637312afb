"""pydantic v2 models from a prepared module schema, by datamodel-code-generator as a library.

The options that matter, each for a known trap:
- `use_annotated` + `field_constraints`: constraints stay on the field, so `maxItems`/`minItems`
  of an array inside a union are kept (the default drops them);
- `enum_field_as_literal="all"`: enums are Literal types on the field, so an input's enum
  default cannot leak into an output model that declares none through a shared Enum class;
- `use_title_as_name`: class names come from the titles `prepare` set from stable names;
- our RootModel template (custom_template_dir) renders a oneOf as a type alias, the union of its
  branches annotated with a `OneOfRule` (exactly one branch, told apart by its keys), which the
  plain union pydantic would otherwise fill with the first branch that fits; a field holding a
  oneOf value is thus typed as the union itself (no `.root` to unwrap);
- `strict_types`: a JSON Schema boolean, string, integer or number takes no other JSON type,
  where pydantic's lax mode would turn `"yes"` into True or `"3"` into 3;
- `base_class`: every object model derives from the package's own `BaseModel`, which carries
  the request id of the reply it came from (`_request_id`, as in openai-python).
"""

from __future__ import annotations

import unicodedata
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

from datamodel_code_generator import Error, InputFileType, LiteralType, PythonVersion, generate
from datamodel_code_generator.enums import DataModelType, StrictTypes

from embedcheck.generator.errors import GeneratorError
from embedcheck.generator.naming import snake, unique
from embedcheck.generator.prepare import ModuleSchema

DATAMODEL_TEMPLATES = Path(__file__).resolve().parent / "templates" / "datamodel"


def _unstable_names(module: ModuleSchema) -> dict[str, str]:
    """Python names for keys Python would change: identifiers are NFKC-normalised, so a field
    written `ª` is really `a` and would never match the key `ª`. Such keys get an ASCII name
    and keep the key as the pydantic alias."""
    keys = module.property_keys()
    names: dict[str, str] = {}
    for key in sorted(keys):
        if unicodedata.normalize("NFKC", key) != key:
            names[key] = unique(snake(key, fallback="field"), keys | set(names.values()))
    return names


def render_models(module: ModuleSchema, root: str, package: str) -> str:
    """The body of a models module: classes only, imports first, no header or __future__.

    `package` is the generated package's import name (the base class is imported from it)."""
    extra: defaultdict[str, dict[str, Any]] = defaultdict(dict)
    extra.update(
        {
            name: {
                "embedcheck_one_of": [
                    {"label": v.label, "required": v.required, "forbidden": v.forbidden}
                    for v in one_of.variants
                ]
            }
            for name, one_of in sorted(module.one_ofs.items())
        }
    )
    with warnings.catch_warnings():
        # Deprecation notes about future defaults: every option we rely on is set explicitly.
        warnings.simplefilter("ignore")
        try:
            code = generate(
                module.document(root),
                input_file_type=InputFileType.JsonSchema,
                output_model_type=DataModelType.PydanticV2BaseModel,
                target_python_version=PythonVersion.PY_311,
                use_annotated=True,
                field_constraints=True,
                use_title_as_name=True,
                enum_field_as_literal=LiteralType.All,
                use_union_operator=True,
                use_standard_collections=True,
                use_double_quotes=True,
                disable_timestamp=True,
                disable_future_imports=True,
                custom_file_header="\n",
                custom_template_dir=DATAMODEL_TEMPLATES,
                base_class=f"{package}._models.BaseModel",
                strict_types=[
                    StrictTypes.bool,
                    StrictTypes.str,
                    StrictTypes.int,
                    StrictTypes.float,
                ],
                extra_template_data=extra,
                aliases=_unstable_names(module),
                formatters=[],
            )
        except Error as exc:
            raise GeneratorError(f"datamodel-code-generator failed on {root}: {exc}") from None
    if not isinstance(code, str):
        raise GeneratorError(f"datamodel-code-generator returned no single module for {root}")
    return code.strip() + "\n"
