/* Conversions between HPy_buffer and CPython's Py_buffer, for the cpython
 * ABI's buffer trampolines and the universal host. */
#ifndef HPY_RUNTIME_BUFFER_H
#define HPY_RUNTIME_BUFFER_H

/* Copies what a getbuffer implementation filled in into CPython's view;
 * the reference held by hbuf->obj moves to view->obj. */
static inline void _HPy_buffer_to_Py_buffer(const HPy_buffer *hbuf, Py_buffer *view)
{
    view->buf = hbuf->buf;
    view->obj = _h2py(hbuf->obj);
    view->len = hbuf->len;
    view->itemsize = hbuf->itemsize;
    view->readonly = hbuf->readonly;
    view->ndim = hbuf->ndim;
    view->format = hbuf->format;
    view->shape = hbuf->shape;
    view->strides = hbuf->strides;
    view->suboffsets = hbuf->suboffsets;
    view->internal = hbuf->internal;
}

/* The reverse, for releasebuffer; hbuf->obj is borrowed from the view. */
static inline void _HPy_buffer_from_Py_buffer(HPy_buffer *hbuf, const Py_buffer *view)
{
    hbuf->buf = view->buf;
    hbuf->obj = _py2h(view->obj);
    hbuf->len = view->len;
    hbuf->itemsize = view->itemsize;
    hbuf->readonly = view->readonly;
    hbuf->ndim = view->ndim;
    hbuf->format = view->format;
    hbuf->shape = view->shape;
    hbuf->strides = view->strides;
    hbuf->suboffsets = view->suboffsets;
    hbuf->internal = view->internal;
}

#endif /* HPY_RUNTIME_BUFFER_H */
