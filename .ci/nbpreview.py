"""What .ci/readme and .ci/docs do, in place of Quarto, to a notebook that nbdev has processed (nbdev.serve.proc_nbs)
before nbconvert exports it: take Quarto's front matter out, remove the inputs of `#| echo: false` cells, and point
extracted figures at their absolute address on GitHub, so that README.md shows them on PyPI too."""
import configparser, re
from pathlib import Path
import yaml
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

def prepare(nb) -> dict:
    "Pop the front matter cell of `nb` (returned as a dict) and tag `#| echo: false` cells to have their input removed."
    front = {}
    if nb.cells and nb.cells[0].cell_type == 'raw' and nb.cells[0].source.startswith('---'):
        front = yaml.safe_load(nb.cells.pop(0).source.strip('-\n')) or {}
    for c in nb.cells:
        if c.cell_type == 'code' and re.search(r'^#\|\s*echo:\s*false', c.source, re.M): c.metadata.setdefault('tags', []).append('remove_input')
    return front

def raw_url(settings='settings.ini') -> str:
    "Where the repository's files are served raw, from `settings.ini`'s `git_url` and `branch`."
    cfg = configparser.ConfigParser(); cfg.read(settings); d = cfg['DEFAULT']
    return d['git_url'].replace('https://github.com/', 'https://raw.githubusercontent.com/').rstrip('/') + f"/{d['branch']}/"

class AbsoluteFigures(Preprocessor):
    "Link extracted figures (`metadata.filenames`, relative to the repository root) by their raw GitHub address."
    def preprocess_cell(self, cell, resources, index):
        for o in cell.get('outputs', []):
            names = o.get('metadata', {}).get('filenames', {})
            for k, v in names.items():
                if not re.match(r'https?://', v): names[k] = raw_url() + v
        return cell, resources

def register(exporter):
    "Make `exporter` drop the inputs that `prepare` tagged and the prompts, and link extracted figures absolutely."
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    exporter.register_preprocessor(AbsoluteFigures(), enabled=True)
    if hasattr(exporter, 'register_filter'):                     # keep the address as it is, not quoted as a file path
        from nbconvert.filters import path2url
        exporter.register_filter('path2url', lambda p: p if re.match(r'https?://', p) else path2url(p))
    return exporter
