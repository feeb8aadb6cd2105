// Samples of the PGF manual left out of the false-positive denominator: compiling them would run a program
// or read a file outside the job. Each with its reason; at most 1% of the corpus (checked by the test).
export const EXCLUDED: Readonly<Record<string, string>> = Object.freeze({
  'pgfmanual-en-library-external.tex:97': 'TikZ externalisation: runs pdflatex through shell escape',
  'pgfmanual-en-library-external.tex:197': 'TikZ externalisation: runs pdflatex through shell escape',
  'pgfmanual-en-library-external.tex:320': 'TikZ externalisation: runs pdflatex through shell escape',
  'pgfmanual-en-library-external.tex:340': 'TikZ externalisation: runs pdflatex through shell escape',
  'pgfmanual-en-library-external.tex:389': 'TikZ externalisation: runs pdflatex through shell escape',
  'pgfmanual-en-library-external.tex:637': 'TikZ externalisation: runs pdflatex through shell escape',
  'pgfmanual-en-library-external.tex:994': 'TikZ externalisation: runs pdflatex through shell escape',
  'pgfmanual-en-library-external.tex:1176': 'TikZ externalisation: runs pdflatex through shell escape',
  'pgfmanual-en-gd-algorithms-in-c.tex:250':
    '\\usegdlibrary of a C graph-drawing library: loads and runs native code through Lua',
  'pgfmanual-en-gd-algorithms-in-c.tex:276':
    '\\usegdlibrary of a C graph-drawing library: loads and runs native code through Lua',
  'pgfmanual-en-gd-algorithms-in-c.tex:494':
    '\\usegdlibrary of a C graph-drawing library: loads and runs native code through Lua',
  'pgfmanual-en-base-plots.tex:338': 'plot function: runs gnuplot',
  'pgfmanual-en-main-body.tex:721': 'plot function: runs gnuplot',
  'pgfmanual-en-tikz-plots.tex:325': 'plot function: runs gnuplot',
  'pgfmanual-en-tikz-plots.tex:347': 'plot function: runs gnuplot',
  'pgfmanual-en-tikz-plots.tex:359': 'plot function: runs gnuplot',
  'pgfmanual-en-tikz-plots.tex:373': 'plot function: runs gnuplot',
  'pgfmanual-en-tikz-plots.tex:399': 'plot function: runs gnuplot',
});
