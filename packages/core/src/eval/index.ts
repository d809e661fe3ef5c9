// Public surface of src/eval (the owner of this folder adds its exports here).
export {};
