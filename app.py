import gc

from packing.app import create_app

app = create_app()

# What the imports and the app built lives as long as the process. Frozen, it is left out of
# the garbage collector's full passes, which otherwise walk ~200,000 objects and stall the
# request (or label render) that triggers one for 130-170 ms.
gc.freeze()
