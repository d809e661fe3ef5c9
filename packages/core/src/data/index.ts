// Public surface of src/data (the owner of this folder adds its exports here).
export {};
