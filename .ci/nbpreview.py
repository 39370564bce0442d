"""What .ci/readme and .ci/docs do, in place of Quarto, to a notebook that nbdev has processed (nbdev.serve.proc_nbs)
before nbconvert exports it: take Quarto's front matter out, and remove the inputs of `#| echo: false` cells."""
import re
import yaml
from nbconvert.preprocessors import TagRemovePreprocessor

def prepare(nb) -> dict:
    "Pop the front matter cell of `nb` (returned as a dict) and tag `#| echo: false` cells to have their input removed."
    front = {}
    if nb.cells and nb.cells[0].cell_type == 'raw' and nb.cells[0].source.startswith('---'):
        front = yaml.safe_load(nb.cells.pop(0).source.strip('-\n')) or {}
    for c in nb.cells:
        if c.cell_type == 'code' and re.search(r'^#\|\s*echo:\s*false', c.source, re.M): c.metadata.setdefault('tags', []).append('remove_input')
    return front

def register(exporter):
    "Make `exporter` drop the inputs that `prepare` tagged, and the prompts."
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    return exporter
