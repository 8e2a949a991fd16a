/* The names of the types of closed handles.
 *
 * The name of a heap type may go away with the type, or when the type gets
 * a new name: a closed handle keeps a copy. Copying it for every handle
 * (strlen, memcpy, a third cache line of the record) was most of the cost
 * of closing one, so the copy is made once per type (DebugTypeName) and the
 * records point to it. An entry is valid while
 *  - its type lives: a weak reference to the type, whose callback runs
 *    before the type is freed, removes the entry (so another type at the
 *    same address cannot match it);
 *  - tp_name is still the string that was copied: compared by address
 *    when a handle is closed. The address alone could come back after two
 *    new names (the first freed, the second allocated at its place), so the
 *    entry holds a reference to the type's __name__ of the time (ht_name,
 *    the owner of tp_name's memory for the types of `class` statements;
 *    otherwise tp_name is static, or memory of the type that lives as long
 *    as the type): the string that was copied cannot be freed, no other
 *    name can have its address.
 * When an entry goes away, the closed handles that point to its name (a
 * scan of the closed queue, only then) get a copy in their own buffer. */
#include "debug_internal.h"
#include "utf8_cut.h"

#include <string.h>

DebugTypeName *debug_type_names[DEBUG_TYPE_NAME_BUCKETS];

static void copy_type_name(DebugHandle *dh, const char *name)
{
    _HPy_Utf8Cut(dh->type_name_buf, name, sizeof(dh->type_name_buf) - 1);
    dh->type_name = dh->type_name_buf;
}

/* Removes `e` from its bucket and frees it, after giving the closed
 * handles that point to its name a copy of their own. */
static void drop_type_name(DebugTypeName *e)
{
    DebugTypeName **pp = &debug_type_names[debug_type_name_bucket(e->tp)];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    for (HPy_ssize_t i = 0; i < debug_state.closed_count; i++) {
        DebugHandle *dh = debug_closed_at(i);
        if (dh->type_name == e->name)
            copy_type_name(dh, e->name);
    }
    free((void *)e->name);
    Py_XDECREF(e->ht_name);
    Py_XDECREF(e->weakref);
    free(e);
}

/* The weak reference callback: the type of an entry is about to be freed. */
static PyObject *type_name_died(PyObject *self, PyObject *weakref)
{
    (void)self;
    for (int b = 0; b < DEBUG_TYPE_NAME_BUCKETS; b++) {
        for (DebugTypeName *e = debug_type_names[b]; e != NULL; e = e->next) {
            if (e->weakref == weakref) {
                drop_type_name(e);
                Py_RETURN_NONE;
            }
        }
    }
    Py_RETURN_NONE;
}

static PyMethodDef type_name_died_def = { "_hpy_debug_type_died", (PyCFunction)type_name_died,
                                          METH_O, NULL };

/* A new entry for `tp` (at the front of its bucket), or NULL. */
static DebugTypeName *new_type_name(PyTypeObject *tp)
{
    static PyObject *callback = NULL;
    PyObject *exc_type, *exc_value, *exc_tb;
    DebugTypeName *e = NULL;
    size_t n = strlen(tp->tp_name);
    char *name = (char *)malloc(n + 1);
    if (name == NULL)
        return NULL;
    memcpy(name, tp->tp_name, n + 1);
    /* whatever happens here, the exception state of the caller stays */
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    if (callback == NULL)
        callback = PyCFunction_New(&type_name_died_def, NULL);
    PyObject *weakref = callback != NULL ? PyWeakref_NewRef((PyObject *)tp, callback) : NULL;
    if (weakref != NULL)
        e = (DebugTypeName *)malloc(sizeof(DebugTypeName));
    if (e == NULL) {
        Py_XDECREF(weakref);
        free(name);
        PyErr_Clear();
        PyErr_Restore(exc_type, exc_value, exc_tb);
        return NULL;
    }
    PyErr_Restore(exc_type, exc_value, exc_tb);
    e->tp = tp;
    e->tp_name = tp->tp_name;
    e->name = name;
#ifdef HPY_WASM_HOST
    /* the stable ABI has no PyHeapTypeObject: a heap type's __name__ is its
     * ht_name (the exception state is saved above) */
    e->ht_name = PyObject_GetAttrString((PyObject *)tp, "__name__");
    if (e->ht_name == NULL)
        PyErr_Clear();
#else
    e->ht_name = ((PyHeapTypeObject *)tp)->ht_name;
    Py_XINCREF(e->ht_name);
#endif
    e->weakref = weakref;
    size_t b = debug_type_name_bucket(tp);
    e->next = debug_type_names[b];
    debug_type_names[b] = e;
    return e;
}

/* The slow path of debug_handle_mark_closed for a heap type: its entry is
 * not the first of the bucket, or does not exist, or has an old name.
 * Creating an entry allocates Python objects, so a garbage collection may
 * run arbitrary code here: `dh` is already marked closed (a use or a close
 * of it from that code is reported as such), not yet queued, and has no
 * type name until the end. */
void debug_keep_type_name(DebugHandle *dh, PyTypeObject *tp)
{
    dh->type_name = NULL;
    size_t b = debug_type_name_bucket(tp);
    DebugTypeName **pp = &debug_type_names[b], *e;
    while ((e = *pp) != NULL && e->tp != tp)
        pp = &e->next;
    if (e != NULL) {
        if (e->tp_name != tp->tp_name) {
            /* a new name: the entry of the old one goes */
            drop_type_name(e);
            e = NULL;
        }
        else {
            /* to the front of the bucket (the inline fast path) */
            *pp = e->next;
            e->next = debug_type_names[b];
            debug_type_names[b] = e;
        }
    }
    if (e == NULL)
        e = new_type_name(tp);
    if (e != NULL)
        dh->type_name = e->name;
    else
        copy_type_name(dh, tp->tp_name); /* out of memory, or no weak reference */
}
