__env__: base
