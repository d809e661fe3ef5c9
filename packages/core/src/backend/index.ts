// Public surface of src/backend (the owner of this folder adds its exports here).
export {};
