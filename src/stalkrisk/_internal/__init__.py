"""The engine room: private modules the public ones share. Nothing here is public API.

Two layers:

- **Foundations**, which import nothing of stalkrisk, so every layer may use them:
  ``canonical`` (RFC 8785 JSON and hashes), ``documents`` (strict JSON/TOML and bounded file
  reading), ``files`` (outputs written whole), ``terminal`` (escaping printed text),
  ``validation`` (discreet, bounded pydantic errors), ``jsonschema`` (published schemas),
  ``public`` (public names report public modules) and ``defaults`` (names the command line's
  parser needs without loading the engine).
- **The engine**, which reads the public schemas and result models: ``intake`` (the one way
  a record becomes a case), ``items`` (an instrument's items as lookups), ``vectorised``
  (the scorer: a single case is a batch of one) and ``ogrs3`` (OGRS3's published rules).

The public modules (``stalkrisk.scoring``, ``stalkrisk.batch``, ``stalkrisk.audit``, ...)
import from here; nothing here imports them back except the models they are built on.
"""
