"""Give every notebook in nbs/ an "Open in Colab" badge (right under its title) and, as its first code cell, a hidden cell
that installs sisw when the notebook runs in Colab and does nothing elsewhere. Idempotent; `--check` only reports.
The repository and branch come from settings.ini (user, repo, branch)."""
import sys, configparser
from pathlib import Path
import nbformat

root = Path(__file__).resolve().parents[1]
cfg = configparser.ConfigParser(); cfg.read(root / 'settings.ini'); c = cfg['DEFAULT']
BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/{user}/{repo}/blob/{branch}/nbs/{name})"
INSTALL = ("#| hide\n"
           "# In Colab, install sisw first; anywhere else this cell does nothing.\n"
           "if 'google.colab' in __import__('sys').modules: get_ipython().run_line_magic('pip', 'install -q sisw')")

def fix(path:Path, check:bool) -> list[str]:
    "Problems found (and, unless `check`, fixed): the order must be title, badge, install cell, then the rest."
    nb = nbformat.read(path, as_version=4)
    badge = BADGE.format(user=c['user'], repo=c['repo'], branch=c['branch'], name=path.name)
    titles = [i for i, cell in enumerate(nb.cells) if cell.cell_type == 'markdown' and cell.source.startswith('# ')]
    if not titles: return ['no title cell (a markdown cell starting with "# ")']
    ok = (nb.cells[0].cell_type == 'markdown' and nb.cells[0].source.startswith('# ') and len(nb.cells) > 2
          and nb.cells[1].source.strip() == badge and nb.cells[2].cell_type == 'code' and nb.cells[2].source == INSTALL)
    if ok: return []
    if not check:
        title = nb.cells[titles[0]]
        rest = [cell for i, cell in enumerate(nb.cells) if i != titles[0]
                and not (cell.cell_type == 'markdown' and 'colab-badge.svg' in cell.source)
                and not (cell.cell_type == 'code' and cell.source.startswith('#| hide\n# In Colab, install sisw first'))]
        nb.cells = [title, nbformat.v4.new_markdown_cell(badge), nbformat.v4.new_code_cell(INSTALL)] + rest
        nbformat.write(nb, path)
    return ['does not open with its title, the Colab badge and the Colab install cell']

if __name__ == '__main__':
    check = '--check' in sys.argv
    bad = {p.name: fix(p, check) for p in sorted((root / 'nbs').glob('*.ipynb'))}
    bad = {k: v for k, v in bad.items() if v}
    for k, v in bad.items(): print(f"{k}: {'; '.join(v)}")
    if check and bad: sys.exit(1)
